import {
  startSplunkHecStandIn,
  STAND_IN_HEC_ACK_TOKEN,
  STAND_IN_HEC_TOKEN,
  type SplunkHecStandIn,
} from '../../local/standIns/splunkHecStandIn';
import { namedSecret } from '../../shared/secrets/namedSecret';
import type { DeliveryOptions } from '../../shared/sinks/delivery/batchingContentSink';
import { SinkDeferredError, SinkFailedError } from '../../shared/sinks/delivery/errors';
import type { SplunkSinkConfig } from '../../shared/sinks/splunk/config';
import { SplunkHecService } from '../../shared/sinks/splunk/splunkService';
import { blobRef, idOf, normalizedEvents, onFramework, streamOf } from './support';

describe('splunk sink against the HEC stand-in', () => {
  let hec: SplunkHecStandIn;
  beforeAll(async () => {
    hec = await startSplunkHecStandIn({ allowedIndexes: ['o365', 'main'] });
  });
  afterAll(async () => {
    await hec.stop();
  });

  function sinkWith(
    overrides: Partial<SplunkSinkConfig> = {},
    options: Partial<DeliveryOptions> = {},
    token = STAND_IN_HEC_TOKEN,
  ) {
    const config: SplunkSinkConfig = {
      url: `${hec.url}/services/collector/event`,
      token: {
        keyVaultSecretName: 'splunk-hec-token',
        localFallbackSetting: 'SPLUNK_HEC_TOKEN',
        localFallbackValue: token,
      },
      index: 'o365',
      sourcetype: 'o365:management:activity',
      ack: false,
      ackTimeoutMs: 2_000,
      ackPollMs: 10,
      maxBatchBytes: 1_000_000,
      maxBatchEvents: 1000,
      requestTimeoutMs: 10_000,
      ...overrides,
    };
    return onFramework(new SplunkHecService(config, namedSecret(config.token, undefined)), options);
  }

  const eventsWith = (id: string) =>
    hec.events.filter((e) => (e.event as { event?: { id?: string } }).event?.id === id);

  it('delivers every event as an HEC event object with time from @timestamp, index, sourcetype and source', async () => {
    const events = await normalizedEvents(120, 31);
    const before = hec.events.length;
    const outcome = await sink().deliver(blobRef('happy'), streamOf(events));
    expect(outcome).toMatchObject({
      sink: 'splunk',
      status: 'completed',
      events: 120,
      written: 120,
      deadLettered: 0,
    });
    const got = hec.events.slice(before);
    expect(got).toHaveLength(120);
    const first = events[0] as { '@timestamp': string };
    expect(got[0]).toEqual({
      time: Date.parse(first['@timestamp']) / 1000,
      sourcetype: 'o365:management:activity',
      source: 'Audit.Exchange',
      index: 'o365',
      event: JSON.parse(JSON.stringify(events[0])),
    });
    function sink() {
      return sinkWith().sink;
    }
  });

  it('waits out a busy HEC (503 code 9) honouring Retry-After, then completes', async () => {
    const events = await normalizedEvents(20, 32);
    const { sink, delays } = sinkWith();
    hec.busyNextRequests(2, 3);
    const outcome = await sink.deliver(blobRef('busy'), streamOf(events));
    expect(outcome).toMatchObject({ status: 'completed', written: 20 });
    expect(delays).toEqual([3000, 3000]);
    for (const e of events) expect(eventsWith(idOf(e))).toHaveLength(1);
  });

  it('puts the blob off as throttled when HEC stays busy past the attempts', async () => {
    const { sink } = sinkWith({}, { maxAttempts: 2 });
    hec.busyNextRequests(5);
    const outcome = await sink.deliver(blobRef('busy-long'), streamOf(await normalizedEvents(3, 33)));
    hec.busyNextRequests(0);
    expect(outcome.status).toBe('deferred');
    expect(outcome.error).toBeInstanceOf(SinkDeferredError);
    expect(outcome.error).toMatchObject({ classification: 'throttled', statusCode: 503, code: '9' });
  });

  it('dead-letters the event HEC refuses (code 6, invalid-event-number), keeps the ones before it and resends the rest once', async () => {
    const events = await normalizedEvents(30, 34);
    const refusedId = idOf(events[12]);
    hec.refuseEvents((e) => (e.event as { event?: { id?: string } }).event?.id === refusedId);
    try {
      const { sink, deadLetters, delays } = sinkWith();
      const outcome = await sink.deliver(blobRef('refused'), streamOf(events));
      expect(outcome).toMatchObject({ status: 'completed', written: 29, deadLettered: 1, requests: 2 });
      expect(delays).toEqual([]);
      const [entry] = deadLetters.entries();
      expect(entry).toMatchObject({
        sink: 'splunk',
        code: '6',
        statusCode: 400,
        position: 12,
        eventId: refusedId,
      });
      expect(entry.reason).toBe('400 code 6 Invalid data format');
      expect(entry.event).toEqual(JSON.parse(JSON.stringify(events[12])));
      expect(eventsWith(refusedId)).toHaveLength(0);
      for (const e of events) if (idOf(e) !== refusedId) expect(eventsWith(idOf(e))).toHaveLength(1);
    } finally {
      hec.refuseEvents(() => false);
    }
  });

  it('fails with a clear auth error for an unknown token, without naming the token', async () => {
    const { sink, deadLetters } = sinkWith({}, {}, 'not-a-token');
    const outcome = await sink.deliver(blobRef('auth'), streamOf(await normalizedEvents(3, 35)));
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBeInstanceOf(SinkFailedError);
    expect(outcome.error).toMatchObject({ classification: 'auth', statusCode: 403, code: '4' });
    expect(outcome.error?.message).toMatch(
      /refused the token \(403 code 4 Invalid token\).*SPLUNK_HEC_TOKEN_SECRET_NAME/,
    );
    expect(outcome.error?.message).not.toContain('not-a-token');
    expect(deadLetters.entries()).toEqual([]);
  });

  it('fails with a configuration error naming SPLUNK_INDEX when the token may not write to the index', async () => {
    const { sink } = sinkWith({ index: 'forbidden' });
    const outcome = await sink.deliver(blobRef('index'), streamOf(await normalizedEvents(2, 36)));
    expect(outcome.error).toMatchObject({ classification: 'configuration', code: '7' });
    expect(outcome.error?.message).toMatch(/SPLUNK_INDEX/);
  });

  it('keeps every request under the batch limits for a large blob', async () => {
    const events = await normalizedEvents(2000, 37);
    const before = hec.requests.length;
    const { sink } = sinkWith({ maxBatchBytes: 250_000, maxBatchEvents: 400 });
    const outcome = await sink.deliver(blobRef('large'), streamOf(events));
    expect(outcome).toMatchObject({ status: 'completed', written: 2000 });
    const posts = hec.requests.slice(before).filter((r) => r.path === '/services/collector/event');
    expect(posts).toHaveLength(outcome.requests);
    expect(Math.max(...posts.map((r) => r.bytes))).toBeLessThanOrEqual(250_000);
  });

  it('with indexer acknowledgement, counts a batch done only once HEC acknowledges it', async () => {
    const events = await normalizedEvents(50, 38);
    hec.holdAcksFor(2);
    const polls = hec.ackPolls;
    try {
      const { sink } = sinkWith({ ack: true, maxBatchEvents: 20 }, {}, STAND_IN_HEC_ACK_TOKEN);
      const outcome = await sink.deliver(blobRef('acked'), streamOf(events));
      expect(outcome).toMatchObject({ status: 'completed', written: 50, requests: 3 });
      expect(hec.ackPolls - polls).toBeGreaterThanOrEqual(3);
    } finally {
      hec.holdAcksFor(0);
    }
  });

  it('sends a batch again when its acknowledgement does not come in time (at least once)', async () => {
    const events = await normalizedEvents(5, 39);
    hec.holdAcksFor(1_000_000);
    try {
      const { sink } = sinkWith({ ack: true, ackTimeoutMs: 50 }, { maxAttempts: 2 }, STAND_IN_HEC_ACK_TOKEN);
      const outcome = await sink.deliver(blobRef('unacked'), streamOf(events));
      expect(outcome.status).toBe('deferred');
      expect(outcome.error?.message).toMatch(/not acknowledged by the indexers within 0 s/);
      expect(eventsWith(idOf(events[0]))).toHaveLength(2);
    } finally {
      hec.holdAcksFor(0);
    }
  });

  it('tells the user to turn SPLUNK_HEC_ACK on when the token requires a channel', async () => {
    const { sink } = sinkWith({}, {}, STAND_IN_HEC_ACK_TOKEN);
    const outcome = await sink.deliver(blobRef('channel'), streamOf(await normalizedEvents(1, 40)));
    expect(outcome.error).toMatchObject({ classification: 'configuration', code: '10' });
    expect(outcome.error?.message).toMatch(/set SPLUNK_HEC_ACK=true/);
  });

  it('reports HEC health', async () => {
    expect(await sinkWith().sink.checkHealth()).toEqual({
      ok: true,
      detail: 'HEC health: 200 HEC is healthy',
    });
  });
});
