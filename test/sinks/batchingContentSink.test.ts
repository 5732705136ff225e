import { SinkRequestError, SinkDeferredError, SinkFailedError } from '../../shared/sinks/delivery/errors';
import type {
  BatchSinkService,
  EncodedEvent,
  ItemOutcome,
  SinkEvent,
  SinkLimits,
} from '../../shared/sinks/delivery/model';
import { blobRef, onFramework, streamOf } from './support';

type Answer = (event: EncodedEvent, call: number) => ItemOutcome | Promise<ItemOutcome>;

/** A destination whose answers a test scripts, recording what it was sent. */
class ScriptedService implements BatchSinkService {
  readonly name = 'scripted';
  readonly idempotentOnEventId = false;
  readonly sent: number[][] = [];
  readonly batchBytes: number[] = [];
  inFlight = 0;
  maxInFlightSeen = 0;
  private calls = 0;

  constructor(
    readonly limits: SinkLimits,
    private readonly answer: Answer = () => ({ status: 'done' }),
    private readonly whole?: (call: number, batch: readonly EncodedEvent[]) => void,
  ) {}

  encode(event: SinkEvent): EncodedEvent {
    const payload = `${event.json}\n`;
    return { source: event, payload, bytes: Buffer.byteLength(payload) };
  }

  async send(batch: readonly EncodedEvent[]): Promise<ItemOutcome[]> {
    const call = ++this.calls;
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      this.sent.push(batch.map((e) => e.source.position));
      this.batchBytes.push(batch.reduce((n, e) => n + e.bytes, 0));
      this.whole?.(call, batch);
      return await Promise.all(batch.map((e) => this.answer(e, call)));
    } finally {
      this.inFlight--;
    }
  }

  targetOf(): string {
    return 'scripted-target';
  }

  async checkHealth() {
    return { ok: true, detail: 'scripted' };
  }
}

const events = (n: number, pad = 10) =>
  Array.from({ length: n }, (_, i) => ({
    '@timestamp': '2024-05-01T00:00:00Z',
    event: { id: `id-${i}` },
    pad: 'x'.repeat(pad),
  }));

describe('BatchingContentSink (the shared batching, retry and dead-letter machinery)', () => {
  it('builds batches under the byte and count limits, in order, and counts every event written', async () => {
    const service = new ScriptedService({ maxBatchBytes: 1000, maxBatchEvents: 7 });
    const { sink } = onFramework(service);
    const outcome = await sink.deliver(blobRef('limits'), streamOf(events(100, 50)));
    expect(outcome).toMatchObject({
      status: 'completed',
      events: 100,
      written: 100,
      location: 'scripted-target',
    });
    expect(Math.max(...service.batchBytes)).toBeLessThanOrEqual(1000);
    expect(Math.max(...service.sent.map((b) => b.length))).toBeLessThanOrEqual(7);
    expect(service.sent.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('keeps at most maxInFlight requests under way and reads the blob only as fast as batches go out', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 10, maxInFlight: 3 });
    const { sink } = onFramework(service);
    let produced = 0;
    let worstLead = 0;
    async function* lazy() {
      for (const e of events(500)) {
        const answered = service.sent.flat().length;
        worstLead = Math.max(worstLead, produced - answered);
        produced++;
        yield e;
      }
    }
    const outcome = await sink.deliver(blobRef('bounded'), lazy());
    expect(outcome.written).toBe(500);
    expect(service.maxInFlightSeen).toBe(3);
    // In flight (3 batches), one being built, one event read ahead.
    expect(worstLead).toBeLessThanOrEqual(3 * 10 + 10 + 1);
  });

  it('sends refused-for-now events again after an exponential backoff, the longer of it and Retry-After', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 100 }, (e, call) =>
      call === 1 && e.source.position % 2 === 0
        ? { status: 'retry', cause: 'throttled', reason: '429' }
        : call === 2 && e.source.position === 0
          ? { status: 'retry', cause: 'throttled', reason: '429', retryAfterMs: 9_000 }
          : { status: 'done' },
    );
    const { sink, delays } = onFramework(service, { retryBaseMs: 400 });
    const outcome = await sink.deliver(blobRef('backoff'), streamOf(events(10)));
    expect(outcome).toMatchObject({ status: 'completed', written: 10, requests: 3 });
    expect(service.sent[1]).toEqual([0, 2, 4, 6, 8]);
    expect(service.sent[2]).toEqual([0]);
    // random() is 0.5: half of the ceiling fixed plus a quarter: 300 for 400 ms, then max(9000, 600).
    expect(delays).toEqual([300, 9_000]);
  });

  it('resends events the destination never looked at at once, without spending an attempt', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 100 }, (e, call) =>
      call <= 3 && e.source.position >= call
        ? { status: 'retry', cause: 'notProcessed', reason: 'after a refused one' }
        : { status: 'done' },
    );
    const { sink, delays } = onFramework(service, { maxAttempts: 1 });
    const outcome = await sink.deliver(blobRef('unprocessed'), streamOf(events(6)));
    expect(outcome).toMatchObject({ status: 'completed', written: 6, requests: 4 });
    expect(delays).toEqual([]);
  });

  it('puts the blob off (SinkDeferredError, throttled, with Retry-After) when the attempts run out', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 100 }, () => ({
      status: 'retry',
      cause: 'throttled',
      reason: '429 es_rejected_execution_exception',
      retryAfterMs: 2000,
      statusCode: 429,
    }));
    const { sink } = onFramework(service, { maxAttempts: 3 });
    const outcome = await sink.deliver(blobRef('attempts'), streamOf(events(4)));
    expect(outcome.status).toBe('deferred');
    expect(outcome.error).toBeInstanceOf(SinkDeferredError);
    expect(outcome.error).toMatchObject({
      classification: 'throttled',
      retryAfterMs: 2000,
      statusCode: 429,
      sink: 'scripted',
    });
    expect(outcome.error?.message).toMatch(
      /4 events still not accepted after 3 attempts: 429 es_rejected_execution_exception/,
    );
    expect(service.sent).toHaveLength(3);
  });

  it('puts the blob off before waiting past the invocation budget, and stops reading the blob', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 5, maxInFlight: 1 }, () => ({
      status: 'retry',
      cause: 'transient',
      reason: '503',
      retryAfterMs: 40_000,
    }));
    const { sink, delays } = onFramework(service, { maxRetryWaitMs: 60_000 });
    const outcome = await sink.deliver(blobRef('budget'), streamOf(events(100)));
    expect(outcome).toMatchObject({
      status: 'deferred',
      error: expect.objectContaining({ classification: 'transient' }),
    });
    expect(delays).toEqual([40_000]);
    expect(outcome.events).toBeLessThan(100);
  });

  it('treats an unknown error of a send as transient', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 100 }, undefined, (call) => {
      if (call === 1) throw new Error('socket hang up');
    });
    const { sink, delays } = onFramework(service);
    const outcome = await sink.deliver(blobRef('socket'), streamOf(events(3)));
    expect(outcome).toMatchObject({ status: 'completed', written: 3, requests: 2 });
    expect(delays).toHaveLength(1);
  });

  it('stops with SinkFailedError when a request is refused for auth, keeping what was already counted', async () => {
    const service = new ScriptedService(
      { maxBatchBytes: 10_000, maxBatchEvents: 2, maxInFlight: 1 },
      undefined,
      (call) => {
        if (call === 2) throw new SinkRequestError('scripted', 'auth', 'key refused', { statusCode: 401 });
      },
    );
    const { sink } = onFramework(service);
    const outcome = await sink.deliver(blobRef('auth'), streamOf(events(10)));
    expect(outcome).toMatchObject({ status: 'failed', written: 2 });
    expect(outcome.error).toBeInstanceOf(SinkFailedError);
    expect(outcome.error).toMatchObject({ classification: 'auth', statusCode: 401 });
    expect(service.sent).toHaveLength(2);
  });

  it('dead-letters a lone event the destination finds too large (413), but fails a whole batch so refused', async () => {
    const tooLarge = () => {
      throw new SinkRequestError('scripted', 'tooLarge', '413', { statusCode: 413 });
    };
    const lone = onFramework(
      new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 1 }, undefined, tooLarge),
    );
    const one = await lone.sink.deliver(blobRef('lone'), streamOf(events(1)));
    expect(one).toMatchObject({ status: 'completed', deadLettered: 1 });
    expect(lone.deadLetters.entries()[0]).toMatchObject({
      reason: 'too large for scripted: 413',
      statusCode: 413,
    });

    const many = onFramework(
      new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 10 }, undefined, tooLarge),
    );
    const batch = await many.sink.deliver(blobRef('many'), streamOf(events(5)));
    expect(batch).toMatchObject({
      status: 'failed',
      error: expect.objectContaining({ classification: 'configuration' }),
    });
    expect(batch.error?.message).toMatch(
      /refused a batch of 5 events as too large .*lower the sink's batch size/,
    );
  });

  it('dead-letters what the destination refuses and what JSON cannot carry, each with its reason and position', async () => {
    const service = new ScriptedService({ maxBatchBytes: 10_000, maxBatchEvents: 100 }, (e) =>
      e.source.eventId === 'id-3'
        ? {
            status: 'rejected',
            reason: '400 mapper_parsing_exception: bad field',
            code: 'mapper_parsing_exception',
            statusCode: 400,
          }
        : { status: 'done' },
    );
    const { sink, deadLetters } = onFramework(service);
    const input: object[] = events(5);
    input.splice(1, 0, { event: { id: 'big' }, n: BigInt(1) });
    const outcome = await sink.deliver(blobRef('refused'), streamOf(input));
    expect(outcome).toMatchObject({ status: 'completed', events: 6, written: 4, deadLettered: 2 });
    const entries = deadLetters.entries();
    expect(entries.map((e) => [e.position, e.eventId, e.code])).toEqual([
      [1, 'big', undefined],
      [4, 'id-3', 'mapper_parsing_exception'],
    ]);
    expect(entries[0].reason).toMatch(/cannot be serialized as JSON: .*BigInt/);
    expect(entries[0].event).toEqual({ unserializable: expect.stringContaining('1n') });
    expect(entries[1]).toMatchObject({
      sink: 'scripted',
      contentId: 'refused',
      contentType: 'Audit.Exchange',
      event: input[4],
    });
  });

  it('refuses an event over the one-event limit without sending it', async () => {
    const service = new ScriptedService({ maxBatchBytes: 500, maxBatchEvents: 10 });
    const { sink, deadLetters } = onFramework(service);
    const outcome = await sink.deliver(blobRef('big'), streamOf([...events(2), ...events(1, 1000)]));
    expect(outcome).toMatchObject({ written: 2, deadLettered: 1 });
    expect(deadLetters.entries()[0].reason).toMatch(/over the 500-byte limit of one scripted request/);
    expect(service.sent.flat()).toEqual([0, 1]);
  });
});
