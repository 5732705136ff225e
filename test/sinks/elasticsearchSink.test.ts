import {
  startElasticsearchStandIn,
  STAND_IN_ES_API_KEY,
  type ElasticsearchStandIn,
} from '../../local/standIns/elasticsearchStandIn';
import type { BatchingContentSink, DeliveryOptions } from '../../shared/sinks/delivery/batchingContentSink';
import { SinkDeferredError, SinkFailedError } from '../../shared/sinks/delivery/errors';
import type { ElasticsearchSinkConfig } from '../../shared/sinks/elasticsearch/config';
import { ElasticsearchService } from '../../shared/sinks/elasticsearch/elasticsearchService';
import { namedSecret } from '../../shared/secrets/namedSecret';
import { blobRef, idOf, normalizedEvents, onFramework, streamOf } from './support';

const INDEX = 'logs-o365.audit-default';

describe('elasticsearch sink against the _bulk stand-in, with the official client', () => {
  let es: ElasticsearchStandIn;
  const open: BatchingContentSink[] = [];
  beforeAll(async () => {
    es = await startElasticsearchStandIn();
  });
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await es.stop();
  });

  function sinkWith(
    overrides: Partial<ElasticsearchSinkConfig> = {},
    options: Partial<DeliveryOptions> = {},
    apiKey = STAND_IN_ES_API_KEY,
  ) {
    const config: ElasticsearchSinkConfig = {
      url: es.url,
      apiKey: {
        keyVaultSecretName: 'elasticsearch-api-key',
        localFallbackSetting: 'ELASTICSEARCH_API_KEY',
        localFallbackValue: apiKey,
      },
      index: INDEX,
      maxBatchBytes: 200_000,
      maxBatchEvents: 100,
      requestTimeoutMs: 10_000,
      ...overrides,
    };
    const made = onFramework(
      new ElasticsearchService(config, namedSecret(config.apiKey, undefined)),
      options,
    );
    open.push(made.sink);
    return { ...made, index: config.index };
  }

  it('stores every event once in the data stream, with _id = event.id, and reports where', async () => {
    const events = await normalizedEvents(250, 21);
    const { sink } = sinkWith({ index: 'logs-o365.audit-happy', maxBatchBytes: 5_000_000 });
    const outcome = await sink.deliver(blobRef('happy'), streamOf(events));
    expect(outcome).toMatchObject({
      sink: 'elasticsearch',
      status: 'completed',
      events: 250,
      written: 250,
      alreadyPresent: 0,
      deadLettered: 0,
    });
    expect(outcome.location).toBe('logs-o365.audit-happy');
    const stored = es.documents('logs-o365.audit-happy');
    expect(stored.size).toBe(250);
    for (const e of events) expect(stored.get(idOf(e))).toEqual(JSON.parse(JSON.stringify(e)));
    expect(outcome.requests).toBe(Math.ceil(250 / 100));
  });

  it('counts a second delivery of the same records as already present (409), storing nothing twice', async () => {
    const events = await normalizedEvents(120, 22);
    const { sink } = sinkWith({ index: 'logs-o365.audit-twice' });
    await sink.deliver(blobRef('twice-a'), streamOf(events.slice(0, 80)));
    const again = await sink.deliver(blobRef('twice-b'), streamOf(events));
    expect(again).toMatchObject({
      status: 'completed',
      events: 120,
      written: 40,
      alreadyPresent: 80,
      deadLettered: 0,
    });
    expect(es.documents('logs-o365.audit-twice').size).toBe(120);
  });

  it('sends throttled items (429) again after a backoff and completes once Elasticsearch recovers', async () => {
    const events = await normalizedEvents(60, 23);
    const { sink, delays } = sinkWith({ index: 'logs-o365.audit-throttled', maxBatchEvents: 50 });
    es.throttleNextItems(30);
    const outcome = await sink.deliver(blobRef('throttled'), streamOf(events));
    expect(outcome).toMatchObject({ status: 'completed', written: 60, deadLettered: 0 });
    expect(es.documents('logs-o365.audit-throttled').size).toBe(60);
    expect(delays.length).toBeGreaterThanOrEqual(1);
    expect(outcome.requests).toBeGreaterThan(2);
  });

  it('honours Retry-After of a request throttled as a whole', async () => {
    const events = await normalizedEvents(10, 24);
    const { sink, delays } = sinkWith({ index: 'logs-o365.audit-retryafter' });
    es.failNextRequests(1, 429, 7);
    const outcome = await sink.deliver(blobRef('retry-after'), streamOf(events));
    expect(outcome.status).toBe('completed');
    expect(delays).toEqual([7000]);
  });

  it('puts the blob off with a throttled SinkDeferredError when throttling outlasts the attempts', async () => {
    const events = await normalizedEvents(10, 25);
    const { sink } = sinkWith({ index: 'logs-o365.audit-deferred' }, { maxAttempts: 3 });
    es.failNextRequests(3, 503, 2);
    const outcome = await sink.deliver(blobRef('deferred'), streamOf(events));
    expect(outcome.status).toBe('deferred');
    expect(outcome.error).toBeInstanceOf(SinkDeferredError);
    expect(outcome.error).toMatchObject({
      classification: 'transient',
      retryAfterMs: 2000,
      sink: 'elasticsearch',
    });
    es.failNextRequests(0, 503);
  });

  it('dead-letters an event refused for good (400 mapper_parsing_exception) with its reason, and stores the rest', async () => {
    const events = await normalizedEvents(40, 26);
    const refusedId = idOf(events[17]);
    const { sink, deadLetters } = sinkWith({ index: 'logs-o365.audit-refused' });
    es.refuseDocuments((doc) =>
      (doc as { event?: { id?: string } }).event?.id === refusedId
        ? "failed to parse field [user.name] of type [keyword] in document with id 'x'"
        : undefined,
    );
    try {
      const outcome = await sink.deliver(blobRef('refused'), streamOf(events));
      expect(outcome).toMatchObject({ status: 'completed', written: 39, deadLettered: 1 });
      expect(outcome.deadLetterLocation).toMatch(
        /^memory\/deadletter\/elasticsearch\/11111111-2222-3333-4444-555555555555\/Audit\.Exchange\/[0-9a-f]{32}\.ndjson$/,
      );
      const [entry] = deadLetters.entries();
      expect(entry).toMatchObject({
        sink: 'elasticsearch',
        code: 'mapper_parsing_exception',
        statusCode: 400,
        position: 17,
        eventId: refusedId,
        contentId: 'refused',
      });
      expect(entry.reason).toMatch(/mapper_parsing_exception: failed to parse field \[user\.name\]/);
      expect(entry.event).toEqual(JSON.parse(JSON.stringify(events[17])));
      expect(es.documents('logs-o365.audit-refused').has(refusedId)).toBe(false);
    } finally {
      es.refuseDocuments(() => undefined);
    }
  });

  it('fails with a clear auth error when the API key is refused, dead-lettering nothing', async () => {
    const events = await normalizedEvents(5, 27);
    const { sink, deadLetters } = sinkWith({ index: 'logs-o365.audit-auth' }, {}, 'bm90LWEta2V5');
    const outcome = await sink.deliver(blobRef('auth'), streamOf(events));
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(SinkFailedError);
    expect(outcome.error).toMatchObject({
      classification: 'auth',
      statusCode: 401,
      code: 'security_exception',
    });
    expect(outcome.error?.message).toMatch(/refused the API key .*ELASTICSEARCH_API_KEY_SECRET_NAME/);
    expect(outcome.error?.message).not.toContain('bm90LWEta2V5');
    expect(deadLetters.entries()).toEqual([]);
    expect((await sink.checkHealth()).ok).toBe(false);
  });

  it('drops a refused key and uses the key renewed in the vault at the next delivery, with a new client', async () => {
    let current = 'b2xkLWtleQ==';
    let invalidations = 0;
    const secret = {
      read: async () => current,
      invalidate: () => {
        invalidations++;
      },
    };
    const config: ElasticsearchSinkConfig = {
      url: es.url,
      apiKey: { keyVaultSecretName: 'elasticsearch-api-key', localFallbackSetting: 'ELASTICSEARCH_API_KEY' },
      index: 'logs-o365.audit-renewed',
      maxBatchBytes: 1_000_000,
      maxBatchEvents: 100,
      requestTimeoutMs: 10_000,
    };
    const { sink } = onFramework(new ElasticsearchService(config, secret));
    open.push(sink);
    const events = await normalizedEvents(3, 29);
    expect((await sink.deliver(blobRef('renew'), streamOf(events))).status).toBe('failed');
    expect(invalidations).toBe(1);
    current = STAND_IN_ES_API_KEY;
    expect(await sink.deliver(blobRef('renew'), streamOf(events))).toMatchObject({
      status: 'completed',
      written: 3,
    });
  });

  it('keeps every request under the batch limits for a large blob, and reports health', async () => {
    const events = await normalizedEvents(3000, 28);
    const before = es.requests.length;
    const limit = 300_000;
    const { sink } = sinkWith({ index: 'logs-o365.audit-large', maxBatchBytes: limit, maxBatchEvents: 500 });
    const outcome = await sink.deliver(blobRef('large'), streamOf(events));
    expect(outcome).toMatchObject({ status: 'completed', written: 3000 });
    const bulks = es.requests.slice(before).filter((r) => r.path.endsWith('/_bulk'));
    expect(bulks.length).toBe(outcome.requests);
    expect(Math.max(...bulks.map((r) => r.bytes))).toBeLessThanOrEqual(limit);
    expect(bulks.length).toBeGreaterThanOrEqual(Math.ceil(3000 / 500));
    expect(await sink.checkHealth()).toEqual({
      ok: true,
      detail: expect.stringMatching(/authenticated as standin-user/),
    });
  });

  it('dead-letters an event too large to travel even alone, without sending it', async () => {
    const { sink, deadLetters } = sinkWith({ index: 'logs-o365.audit-huge' });
    const big = {
      '@timestamp': '2024-05-01T10:00:00Z',
      event: { id: 'huge-1' },
      pad: 'x'.repeat(105 * 1024 * 1024),
    };
    const outcome = await sink.deliver(
      blobRef('huge'),
      streamOf([big, { '@timestamp': '2024-05-01T10:00:00Z', event: { id: 'small-1' } }]),
    );
    expect(outcome).toMatchObject({ status: 'completed', written: 1, deadLettered: 1 });
    expect(deadLetters.entries()[0].reason).toMatch(/over the \d+-byte limit of one elasticsearch request/);
  });
});
