import {
  BASIC_TIER_BYTES,
  messagingError,
  RecordingEventHubBatch,
  RecordingEventHubProducer,
  STANDARD_TIER_BYTES,
} from '../../../local/standIns/recordingEventHubProducer';
import type { EventHubSinkConfig } from '../../../shared/sinks/eventhub/config';
import { encodeEventHubEvent, eventHubEventOf } from '../../../shared/sinks/eventhub/encoder';
import { EventHubService } from '../../../shared/sinks/eventhub/eventHubService';
import {
  blobRef,
  deliverAll,
  idOf,
  normalizedEvents,
  sinkEventOf,
  TENANT,
  rejectedOf,
} from '../azureSinkSupport';

const CONFIG: EventHubSinkConfig = {
  fullyQualifiedNamespace: 'evhns-test.servicebus.windows.net',
  eventHubName: 'o365-audit',
};

function serviceWith(
  producer: RecordingEventHubProducer,
  config: Partial<EventHubSinkConfig> = {},
): EventHubService {
  return new EventHubService({ ...CONFIG, ...config }, producer);
}

/** An event whose original record carries `size` characters more. */
function bigEvent(event: object, size: number): object {
  const e = event as { o365: { audit: object } };
  return { ...e, o365: { ...e.o365, audit: { ...e.o365.audit, Padding: 'x'.repeat(size) } } };
}

describe('eventhub sink, against a recording EventHubProducerClient stand-in', () => {
  it('sends every event with its JSON as body, messageId = event.id, tenantId/contentType properties, the tenant as partition key', async () => {
    const producer = new RecordingEventHubProducer();
    const events = await normalizedEvents(300, 31);
    const delivery = await deliverAll(serviceWith(producer), blobRef('eh-happy'), events);
    expect(delivery.outcomes.every((o) => o.status === 'done')).toBe(true);
    const sent = producer.allEvents();
    expect(sent).toHaveLength(300);
    sent.forEach((s, i) => {
      expect(JSON.parse(s.body)).toEqual(JSON.parse(JSON.stringify(events[i])));
      expect(s.messageId).toBe(idOf(events[i]));
      expect(s.contentType).toBe('application/json');
      expect(s.properties).toEqual({ tenantId: TENANT, contentType: 'Audit.Exchange' });
    });
    expect(new Set(producer.sent.map((b) => b.partitionKey))).toEqual(new Set([TENANT]));
  });

  it('splits a batch across several Event Hubs batches on a Basic hub (256 KB), in order, none over the limit', async () => {
    const producer = new RecordingEventHubProducer(BASIC_TIER_BYTES);
    const events = await normalizedEvents(400, 32);
    const service = serviceWith(producer);
    const delivery = await deliverAll(service, blobRef('eh-basic'), events);
    expect(delivery.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(producer.sent.length).toBeGreaterThan(delivery.batches.length);
    for (const b of producer.sent) expect(b.sizeInBytes).toBeLessThanOrEqual(BASIC_TIER_BYTES);
    expect(producer.allEvents().map((e) => e.messageId)).toEqual(events.map(idOf));
  });

  it('never estimates an event smaller than AMQP encodes it, so batches are not overfilled by the estimate', async () => {
    const events = await normalizedEvents(200, 33, 'Audit.SharePoint');
    const blob = blobRef('eh-estimate', 'Audit.SharePoint');
    for (const [i, event] of events.entries()) {
      const encoded = encodeEventHubEvent(sinkEventOf(event, i), blob);
      const batch = new RecordingEventHubBatch(STANDARD_TIER_BYTES, TENANT);
      const empty = batch.sizeInBytes;
      expect(batch.tryAdd(eventHubEventOf(encoded, blob))).toBe(true);
      expect(encoded.bytes).toBeGreaterThanOrEqual(batch.sizeInBytes - empty);
    }
  });

  it('rejects an event too large for an empty batch, with its size and the limit, and sends the others', async () => {
    const producer = new RecordingEventHubProducer(BASIC_TIER_BYTES);
    const events = await normalizedEvents(5, 34);
    events[2] = bigEvent(events[2], 300_000);
    const delivery = await deliverAll(serviceWith(producer), blobRef('eh-large'), events);
    expect(delivery.outcomes[2]).toMatchObject({ status: 'rejected', code: 'MessageTooLargeError' });
    expect((delivery.outcomes[2] as { reason: string }).reason).toMatch(
      new RegExp(
        `event of \\d{6} bytes does not fit in an empty Event Hubs batch \\(${BASIC_TIER_BYTES} bytes`,
      ),
    );
    expect(delivery.outcomes.filter((o) => o.status === 'done')).toHaveLength(4);
    expect(producer.allEvents().map((e) => e.messageId)).toEqual([0, 1, 3, 4].map((i) => idOf(events[i])));
  });

  it('refuses in advance (limits) an event over the 1 MB publication limit', async () => {
    const service = serviceWith(new RecordingEventHubProducer());
    const [event] = await normalizedEvents(1, 35);
    const encoded = service.encode(sinkEventOf(bigEvent(event, 1_100_000), 0), blobRef('eh-huge'));
    expect(encoded.bytes).toBeGreaterThan(service.limits.maxEventBytes ?? service.limits.maxBatchBytes);
  });

  it('keeps batches under EVENTHUB_MAX_BATCH_BYTES when it is set', async () => {
    const producer = new RecordingEventHubProducer();
    const service = serviceWith(producer, { maxBatchBytes: 64 * 1024 });
    expect(service.limits.maxBatchBytes).toBe(64 * 1024);
    const events = await normalizedEvents(200, 36);
    const delivery = await deliverAll(service, blobRef('eh-setting'), events);
    expect(delivery.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(producer.sent.length).toBeGreaterThan(5);
    for (const b of producer.sent) {
      expect(b.maxSizeInBytes).toBe(64 * 1024);
      expect(b.sizeInBytes).toBeLessThanOrEqual(64 * 1024);
    }
  });

  it('names EVENTHUB_MAX_BATCH_BYTES when it is over what the hub takes (a Basic hub and 1 MB)', async () => {
    const producer = new RecordingEventHubProducer(BASIC_TIER_BYTES);
    const service = serviceWith(producer, { maxBatchBytes: STANDARD_TIER_BYTES });
    const [event] = await normalizedEvents(1, 37);
    const blob = blobRef('eh-too-big-setting');
    const error = await rejectedOf(service.send([service.encode(sinkEventOf(event, 0), blob)], blob));
    expect(error.classification).toBe('configuration');
    expect(error.message).toMatch(/EVENTHUB_MAX_BATCH_BYTES is larger than this event hub takes/);
    expect(producer.sent).toHaveLength(0);
  });

  it('fails the request as a whole when the hub is busy before anything went (throttled)', async () => {
    const producer = new RecordingEventHubProducer();
    producer.failNextSends(messagingError('ServerBusyError', 'server busy', true));
    const service = serviceWith(producer);
    const events = await normalizedEvents(10, 38);
    const blob = blobRef('eh-busy');
    const error = await rejectedOf(
      service.send(
        events.map((e, i) => service.encode(sinkEventOf(e, i), blob)),
        blob,
      ),
    );
    expect(error).toMatchObject({ classification: 'throttled', code: 'ServerBusyError' });
    // The framework sends again; the stand-in has recovered.
    const delivery = await deliverAll(service, blob, events);
    expect(delivery.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(producer.allEvents()).toHaveLength(10);
  });

  it('answers done for what went and retry for the rest when a later Event Hubs batch is throttled', async () => {
    const producer = new RecordingEventHubProducer(BASIC_TIER_BYTES);
    const service = serviceWith(producer);
    const events = await normalizedEvents(300, 39);
    const blob = blobRef('eh-partial');
    const batch = events.map((e, i) => service.encode(sinkEventOf(e, i), blob)).slice(0, 150);
    let sends = 0;
    const original = producer.sendBatch.bind(producer);
    producer.sendBatch = async (b) => {
      if (++sends === 2) throw messagingError('ServerBusyError', 'server busy', true);
      return original(b);
    };
    const outcomes = await service.send(batch, blob);
    const firstSent = producer.sent[0].events.length;
    expect(firstSent).toBeGreaterThan(0);
    expect(firstSent).toBeLessThan(150);
    expect(outcomes.slice(0, firstSent).every((o) => o.status === 'done')).toBe(true);
    expect(outcomes.slice(firstSent).every((o) => o.status === 'retry' && o.cause === 'throttled')).toBe(
      true,
    );
  });

  it.each([
    ['UnauthorizedError', false, 'auth', /Azure Event Hubs Data Sender/],
    [
      'MessagingEntityNotFoundError',
      false,
      'configuration',
      /EVENTHUB_NAME does not exist in EVENTHUB_NAMESPACE/,
    ],
    ['ServiceCommunicationError', false, 'configuration', /EVENTHUB_NAMESPACE could not be reached/],
    ['QuotaExceededError', false, 'throttled', /quota/],
    ['ConnectionForcedError', true, 'transient', /Event Hubs failed \(ConnectionForcedError/],
    ['ArgumentError', false, 'configuration', /Event Hubs failed \(ArgumentError/],
  ])(
    'classifies %s (retryable: %s) from createBatch as %s',
    async (code, retryable, classification, message) => {
      const producer = new RecordingEventHubProducer();
      producer.failNextCreateBatch(messagingError(code, 'from the service', retryable));
      const service = serviceWith(producer);
      const [event] = await normalizedEvents(1, 40);
      const blob = blobRef(`eh-${code}`);
      const error = await rejectedOf(service.send([service.encode(sinkEventOf(event, 0), blob)], blob));
      expect(error.classification).toBe(classification);
      expect(error.message).toMatch(message);
      expect(error.code).toBe(code);
    },
  );

  it('treats a managed identity that cannot get a token as an auth failure', async () => {
    const producer = new RecordingEventHubProducer();
    const noIdentity = new Error('ManagedIdentityCredential: no managed identity endpoint');
    noIdentity.name = 'CredentialUnavailableError';
    producer.failNextCreateBatch(noIdentity);
    const service = serviceWith(producer);
    const [event] = await normalizedEvents(1, 41);
    const blob = blobRef('eh-no-identity');
    const error = await rejectedOf(service.send([service.encode(sinkEventOf(event, 0), blob)], blob));
    expect(error).toMatchObject({ classification: 'auth', code: 'CredentialUnavailableError' });
  });

  it('rejects the one event of a batch the service calls too large, and fails a larger batch as too large', async () => {
    const producer = new RecordingEventHubProducer();
    const service = serviceWith(producer);
    const events = await normalizedEvents(3, 42);
    const blob = blobRef('eh-service-too-large');
    const encoded = events.map((e, i) => service.encode(sinkEventOf(e, i), blob));
    producer.failNextSends(messagingError('MessageTooLargeError', 'message size exceeded', false));
    expect(await service.send(encoded.slice(0, 1), blob)).toEqual([
      expect.objectContaining({ status: 'rejected', code: 'MessageTooLargeError' }),
    ]);
    producer.failNextSends(messagingError('MessageTooLargeError', 'message size exceeded', false));
    expect((await rejectedOf(service.send(encoded, blob))).classification).toBe('tooLarge');
  });

  it('gives an event without event.id a messageId from its blob and position, the same on a retry', async () => {
    const producer = new RecordingEventHubProducer();
    const service = serviceWith(producer);
    const [event] = await normalizedEvents(1, 43);
    const noId = { ...event, event: { ...(event as { event: object }).event, id: undefined } };
    await deliverAll(service, blobRef('eh-no-id'), [noId]);
    await deliverAll(service, blobRef('eh-no-id'), [noId]);
    const [a, b] = producer.allEvents().map((e) => e.messageId);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('reports health from opening a sender link, and closes the producer', async () => {
    const producer = new RecordingEventHubProducer(BASIC_TIER_BYTES);
    const service = serviceWith(producer);
    expect(await service.checkHealth()).toEqual({
      ok: true,
      detail: `sender link to ${CONFIG.fullyQualifiedNamespace}/${CONFIG.eventHubName} open; batches of up to ${BASIC_TIER_BYTES} bytes`,
    });
    producer.failNextCreateBatch(messagingError('UnauthorizedError', 'unauthorized', true));
    expect(await service.checkHealth()).toEqual({ ok: false, detail: expect.stringMatching(/Data Sender/) });
    expect(service.targetOf()).toBe('evhns-test.servicebus.windows.net/o365-audit');
    await service.close();
    expect(producer.closed).toBe(true);
  });
});
