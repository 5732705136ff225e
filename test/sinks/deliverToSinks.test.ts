import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BlobContentSink } from '../../shared/sinks/blob/blobContentSink';
import { broadcast } from '../../shared/sinks/delivery/broadcast';
import { deliverToSinks, sinksStillOwed } from '../../shared/sinks/delivery/deliverToSinks';
import type { ContentSink, SinkBlobOutcome } from '../../shared/sinks/delivery/model';
import { FileContentSink } from '../../shared/sinks/file/fileSink';
import { MemorySink } from '../../shared/sinks/memorySink';
import { blobRef, streamOf } from './support';

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ event: { id: `e${i}` }, n: i }));

/** A sink that reads slowly, or stops early with a failure, recording what it read. */
class ReadingSink implements ContentSink {
  readonly idempotentOnEventId = false;
  readonly seen: object[] = [];
  constructor(
    readonly name: string,
    private readonly behaviour: { delayMs?: number; failAfter?: number } = {},
  ) {}
  async deliver(_blob: unknown, stream: AsyncIterable<object>): Promise<SinkBlobOutcome> {
    for await (const e of stream) {
      if (this.behaviour.failAfter !== undefined && this.seen.length >= this.behaviour.failAfter) {
        throw new Error(`${this.name} broke`);
      }
      this.seen.push(e);
      if (this.behaviour.delayMs) await new Promise((r) => setTimeout(r, this.behaviour.delayMs));
    }
    const n = this.seen.length;
    return {
      sink: this.name,
      status: 'completed',
      events: n,
      written: n,
      alreadyPresent: 0,
      deadLettered: 0,
      requests: 1,
    };
  }
  async checkHealth() {
    return { ok: true, detail: '' };
  }
}

describe('deliverToSinks: one event stream into every configured sink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sinks-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every sink every event and answers one outcome per sink, in order', async () => {
    const memory = new MemorySink();
    const file = new FileContentSink({ dir });
    const slow = new ReadingSink('slow', { delayMs: 1 });
    const outcomes = await deliverToSinks(
      [new BlobContentSink(memory), file, slow],
      blobRef('all'),
      streamOf(events(50)),
    );
    expect(outcomes.map((o) => [o.sink, o.status, o.written])).toEqual([
      ['blob', 'completed', 50],
      ['file', 'completed', 50],
      ['slow', 'completed', 50],
    ]);
    expect(memory.allEvents()).toEqual(events(50));
    expect(slow.seen).toEqual(events(50));
    const text = await readFile(file.fileFor(blobRef('all')), 'utf8');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(events(50));
  });

  it('lets the other sinks finish when one fails, answering its failure as an outcome', async () => {
    const broken = new ReadingSink('broken', { failAfter: 3 });
    const healthy = new ReadingSink('healthy', { delayMs: 1 });
    const outcomes = await deliverToSinks([broken, healthy], blobRef('one-fails'), streamOf(events(40)), {
      bufferEvents: 4,
    });
    expect(outcomes[0]).toMatchObject({
      sink: 'broken',
      status: 'failed',
      error: expect.objectContaining({ message: 'broken broke' }),
    });
    expect(outcomes[1]).toMatchObject({ sink: 'healthy', status: 'completed', written: 40 });
  });

  it("throws the event stream's own error unchanged once every sink has stopped", async () => {
    const fetchError = Object.assign(new Error('content fetch throttled'), {
      classification: 'throttled',
      retryAfterMs: 5000,
    });
    async function* failing() {
      yield* events(5);
      throw fetchError;
    }
    const a = new ReadingSink('a');
    const memory = new MemorySink();
    await expect(deliverToSinks([a, new BlobContentSink(memory)], blobRef('source'), failing())).rejects.toBe(
      fetchError,
    );
    expect(a.seen).toHaveLength(5);
    expect(memory.writes).toBe(0);
  });

  it('reads the source no further ahead of the slowest sink than its buffer', async () => {
    let produced = 0;
    let worstLead = 0;
    const slow = new ReadingSink('slow', { delayMs: 1 });
    async function* source() {
      for (const e of events(200)) {
        worstLead = Math.max(worstLead, produced - slow.seen.length);
        produced++;
        yield e;
      }
    }
    await deliverToSinks([new ReadingSink('fast'), slow], blobRef('pace'), source(), { bufferEvents: 8 });
    expect(slow.seen).toHaveLength(200);
    expect(worstLead).toBeLessThanOrEqual(8 + 1);
  });

  it('stops reading the source when every reader has gone', async () => {
    let returned = false;
    async function* source() {
      try {
        yield* events(100);
      } finally {
        returned = true;
      }
    }
    const fan = broadcast(source(), 1, 2);
    for await (const e of fan.streams[0]) {
      if ((e as { n: number }).n === 3) break;
    }
    await new Promise((r) => setTimeout(r, 5));
    expect(returned).toBe(true);
  });

  it('picks the sinks a retry still owes, in configuration order', () => {
    const sinks = [new ReadingSink('blob'), new ReadingSink('elasticsearch'), new ReadingSink('splunk')];
    const finished = { elasticsearch: { at: '2026-01-01T00:00:00.000Z', events: 3 } };
    expect(sinksStillOwed(sinks, finished).map((s) => s.name)).toEqual(['blob', 'splunk']);
  });
});

describe('file sink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'file-sink-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one NDJSON file per content blob at the blob layout, and a retry replaces it whole', async () => {
    const sink = new FileContentSink({ dir });
    // A contentId as Microsoft forms it: the blob's hour is read from the times it carries.
    const ref = blobRef(
      '20240501100000000000001$20240501101500000000001$audit_exchange$Audit_Exchange$emea0001',
    );
    const first = await sink.deliver(ref, streamOf(events(3)));
    expect(first).toMatchObject({ status: 'completed', written: 3 });
    expect(first.location).toBe(
      path.join(
        dir,
        '11111111-2222-3333-4444-555555555555',
        'Audit.Exchange',
        '2024',
        '05',
        '01',
        '10',
        path.basename(first.location ?? ''),
      ),
    );
    const second = await sink.deliver(ref, streamOf(events(2)));
    expect(second.location).toBe(first.location);
    expect(await readFile(second.location ?? '', 'utf8')).toBe(
      '{"event":{"id":"e0"},"n":0}\n{"event":{"id":"e1"},"n":1}\n',
    );
  });

  it('leaves the earlier file and no temporary file when the event stream fails, throwing its error', async () => {
    const sink = new FileContentSink({ dir });
    const ref = blobRef('kept');
    await sink.deliver(ref, streamOf(events(1)));
    const boom = new Error('fetch failed');
    async function* failing() {
      yield* events(3);
      throw boom;
    }
    await expect(sink.deliver(ref, failing())).rejects.toBe(boom);
    expect(await readFile(sink.fileFor(ref), 'utf8')).toBe('{"event":{"id":"e0"},"n":0}\n');
    expect((await readdir(path.dirname(sink.fileFor(ref)))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('answers a failed outcome naming the reason when an event cannot be written', async () => {
    const sink = new FileContentSink({ dir });
    const outcome = await sink.deliver(blobRef('bigint'), streamOf([{ ok: 1 }, { n: BigInt(1) }]));
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.message).toMatch(
      /file sink could not write content bigint: event #1 cannot be serialized/,
    );
    expect((await sink.checkHealth()).ok).toBe(true);
  });
});
