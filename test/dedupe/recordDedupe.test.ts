import { HashOwnerTable } from '../../shared/dedupe/hashOwnerTable';
import { MemoryRecordIdLog } from '../../shared/dedupe/memoryRecordIdLog';
import { RecordDedupe, recordLogName, type RecordBucket } from '../../shared/dedupe/recordDedupe';
import {
  decodeBlocks,
  encodeBlock,
  dayOf,
  recordIdHash,
  RecordIdLogFormatError,
} from '../../shared/dedupe/recordIdLog';
import {
  RecordReservedElsewhereError,
  withoutRepeatedRecords,
} from '../../shared/dedupe/withoutRepeatedRecords';
import { memoryLogger } from '../../shared/log';
import { sha256Hex } from '../../shared/state/tableKeys';

const TENANT = '11111111-2222-3333-4444-555555555555';
const BUCKET: RecordBucket = { tenantId: TENANT, contentType: 'Audit.Exchange', day: '2024-05-01' };
const A = sha256Hex('blob-a');
const B = sha256Hex('blob-b');
const hashes = (...ids: string[]) => ids.map(recordIdHash);

function event(id: string, time = '2024-05-01T10:15:00.000Z', kind = 'event'): object {
  return { '@timestamp': time, event: { id, kind } };
}

async function collect(events: AsyncIterable<object>): Promise<object[]> {
  const out: object[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function* from(list: object[]): AsyncGenerator<object> {
  for (const e of list) yield e;
}

describe('HashOwnerTable', () => {
  it('keeps the first owner of each hash, through many resizes', () => {
    const table = new HashOwnerTable(4);
    let wrong = 0;
    for (let i = 0; i < 50_000; i++) if (table.claimFirst(i * 7, i, i % 3) !== i % 3) wrong++;
    for (let i = 0; i < 50_000; i++) if (table.claimFirst(i * 7, i, 9) !== i % 3) wrong++;
    expect(wrong).toBe(0);
    expect(table.size).toBe(50_000);
    expect(table.get(7, 1)).toBe(1);
    expect(table.get(8, 1)).toBeUndefined();
  });
});

describe('record-Id log blocks', () => {
  it('round-trip owner and hashes, in order', () => {
    const block = Buffer.concat([encodeBlock(A, hashes('x', 'y')), encodeBlock(B, hashes('z'))]);
    const seen: string[] = [];
    decodeBlocks(block, (owner, hi, lo) => seen.push(`${owner === A ? 'A' : 'B'}:${hi}:${lo}`));
    const [x, y, z] = hashes('x', 'y', 'z');
    expect(seen).toEqual([`A:${x.hi}:${x.lo}`, `A:${y.hi}:${y.lo}`, `B:${z.hi}:${z.lo}`]);
  });

  it('refuses a truncated or foreign log with the offset of the problem', () => {
    const block = encodeBlock(A, hashes('x', 'y'));
    expect(() => decodeBlocks(block.subarray(0, block.length - 3), () => undefined, 100)).toThrow(
      new RecordIdLogFormatError(100, 'block of 2 hashes is truncated'),
    );
    expect(() => decodeBlocks(Buffer.from('not a log at all, really not'), () => undefined)).toThrow(
      RecordIdLogFormatError,
    );
  });

  it('hashes record Ids case-insensitively', () => {
    expect(recordIdHash('ABC-def')).toEqual(recordIdHash('abc-DEF'));
    expect(recordIdHash('abc')).not.toEqual(recordIdHash('abd'));
  });

  it('takes the day only of UTC ISO times', () => {
    expect(dayOf('2024-05-01T10:15:00.000Z')).toBe('2024-05-01');
    expect(dayOf('2024-05-01T10:15Z')).toBe('2024-05-01');
    expect(dayOf('2024-05-01T10:15:00')).toBeUndefined();
    expect(dayOf('2024-05-01T10:15:00+02:00')).toBeUndefined();
    expect(dayOf('2024-O5-01T10:15:00Z')).toBeUndefined();
    expect(dayOf('yesterday')).toBeUndefined();
  });
});

describe('RecordDedupe', () => {
  it("suppresses another blob's records and keeps a blob's own, also when it is retried", async () => {
    const dedupe = new RecordDedupe(new MemoryRecordIdLog());
    expect(await dedupe.reserve(BUCKET, A, hashes('r1', 'r2'))).toEqual([false, false]);
    expect(await dedupe.reserve(BUCKET, B, hashes('r2', 'r3'))).toEqual([true, false]);
    // A retried after a crash: its own reservations do not hold it back.
    expect(await dedupe.reserve(BUCKET, A, hashes('r1', 'r2', 'r3'))).toEqual([false, false, true]);
  });

  it('agrees across instances racing on one log: each record is kept by exactly one blob', async () => {
    const log = new MemoryRecordIdLog();
    const instances = [new RecordDedupe(log), new RecordDedupe(log), new RecordDedupe(log)];
    const owners = ['a', 'b', 'c', 'd', 'e', 'f'].map((o) => sha256Hex(o));
    const shared = hashes('s1', 's2', 's3');
    const results = await Promise.all(owners.map((o, i) => instances[i % 3].reserve(BUCKET, o, shared)));
    for (let h = 0; h < shared.length; h++) {
      expect(results.filter((r) => !r[h])).toHaveLength(1);
    }
  });

  it('reads only what other instances appended since it last read, never its own blocks', async () => {
    const log = new MemoryRecordIdLog();
    const reading = new RecordDedupe(log);
    const writing = new RecordDedupe(log);
    await writing.reserve(BUCKET, A, hashes('w1'));
    await reading.reserve(BUCKET, B, hashes('q1'));
    await writing.reserve(BUCKET, A, hashes('w2'));
    const readBytes: number[] = [];
    const read = log.read.bind(log);
    log.read = async (name, fromOffset, to) => (readBytes.push(to - fromOffset), read(name, fromOffset, to));
    expect(await reading.reserve(BUCKET, B, hashes('w2'))).toEqual([true]);
    // The one block the other instance wrote meanwhile: not the whole log again, nor its own block.
    expect(readBytes).toEqual([encodeBlock(A, hashes('w2')).length]);
  });

  it('never reads the log back when it is the only instance writing to it', async () => {
    const log = new MemoryRecordIdLog();
    const dedupe = new RecordDedupe(log);
    await dedupe.reserve(BUCKET, A, hashes('o1', 'o2'));
    const racing = await Promise.all(
      ['p', 'q', 'r', 's'].map((o) => dedupe.reserve(BUCKET, sha256Hex(o), hashes('o2', `own-${o}`))),
    );
    expect(racing).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [true, false],
    ]);
    expect(log.reads).toBe(0);
  });

  it('reads a log afresh when it was replaced under its cache (pruned, then started again)', async () => {
    const log = new MemoryRecordIdLog();
    const dedupe = new RecordDedupe(log);
    await dedupe.reserve(BUCKET, A, hashes('old1', 'old2', 'old3'));
    log.logs.clear();
    await new RecordDedupe(log).reserve(BUCKET, B, hashes('new1'));
    expect(await dedupe.reserve(BUCKET, A, hashes('new1', 'old1'))).toEqual([true, false]);
  });

  it('gives up the reservations of a blob the ledger records as lost', async () => {
    const dedupe = new RecordDedupe(new MemoryRecordIdLog(), {
      isLost: async (_tenant, owner) => owner === A,
    });
    await dedupe.reserve(BUCKET, A, hashes('l1'));
    expect(await dedupe.reserve(BUCKET, B, hashes('l1'))).toEqual([false]);
  });

  it('keeps logs apart per tenant, content type and day', async () => {
    const dedupe = new RecordDedupe(new MemoryRecordIdLog());
    await dedupe.reserve(BUCKET, A, hashes('k'));
    expect(await dedupe.reserve({ ...BUCKET, day: '2024-05-02' }, B, hashes('k'))).toEqual([false]);
    expect(await dedupe.reserve({ ...BUCKET, contentType: 'DLP.All' }, B, hashes('k'))).toEqual([false]);
    expect(recordLogName(BUCKET)).toBe(`${TENANT}/Audit.Exchange/2024-05-01.ids`);
  });

  it('drops the least recently used logs beyond its memory budget and still answers right', async () => {
    const log = new MemoryRecordIdLog();
    const dedupe = new RecordDedupe(log, { maxCachedHashes: 3 });
    await dedupe.reserve(BUCKET, A, hashes('m1', 'm2'));
    await dedupe.reserve({ ...BUCKET, day: '2024-05-02' }, A, hashes('m3', 'm4'));
    expect(await dedupe.reserve(BUCKET, B, hashes('m1', 'm5'))).toEqual([true, false]);
  });

  it('writes without de-duplication, with a warning, when a log takes no more blocks', async () => {
    const log = new MemoryRecordIdLog();
    log.append = async () => {
      throw Object.assign(new Error('full'), { statusCode: 409, code: 'BlockCountExceedsLimit' });
    };
    const logger = memoryLogger();
    const dedupe = new RecordDedupe(log, { logger });
    expect(await dedupe.reserve(BUCKET, A, hashes('f1'))).toEqual([false]);
    expect(logger.lines.map((l) => l.line).join()).toMatch(/record-Id log is full/);
  });

  it('writes without de-duplication, with an error, when a log is damaged', async () => {
    const log = new MemoryRecordIdLog();
    log.logs.set(recordLogName(BUCKET), Buffer.from('garbage written by hand'));
    const logger = memoryLogger();
    expect(await new RecordDedupe(log, { logger }).reserve(BUCKET, A, hashes('d1'))).toEqual([false]);
    expect(logger.lines.map((l) => l.line).join()).toMatch(/record-Id log is unreadable/);
  });

  it('passes any other storage failure on, for the fetch to put off', async () => {
    const log = new MemoryRecordIdLog();
    const busy = Object.assign(new Error('busy'), { statusCode: 503, code: 'ServerBusy' });
    log.append = async () => {
      throw busy;
    };
    await expect(new RecordDedupe(log).reserve(BUCKET, A, hashes('f1'))).rejects.toBe(busy);
  });
});

describe('withoutRepeatedRecords', () => {
  const blob = (contentId: string) => ({
    tenantId: TENANT,
    contentType: 'Audit.Exchange' as const,
    contentId,
  });

  it('holds back events whose record another blob carried, in order, across chunks and days', async () => {
    const dedupe = new RecordDedupe(new MemoryRecordIdLog());
    const first = withoutRepeatedRecords(
      from([event('a'), event('b', '2024-05-02T11:00:00.000Z'), event('c')]),
      blob('one'),
      dedupe,
      2,
    );
    expect(await collect(first.events)).toHaveLength(3);
    const list = [event('x'), event('a'), event('b', '2024-05-02T11:00:00.000Z'), event('y'), event('c')];
    const second = withoutRepeatedRecords(from(list), blob('two'), dedupe, 2);
    expect(await collect(second.events)).toEqual([list[0], list[3]]);
    expect(second.suppressed()).toBe(3);
  });

  it('passes each event on at once, before the rest of the blob has arrived', async () => {
    const dedupe = new RecordDedupe(new MemoryRecordIdLog());
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    async function* slowSource() {
      yield event('first');
      await blocked;
      yield event('second');
    }
    const out = withoutRepeatedRecords(slowSource(), blob('streaming'), dedupe).events[
      Symbol.asyncIterator
    ]();
    expect(await out.next()).toMatchObject({ done: false, value: { event: { id: 'first' } } });
    release();
    expect(await out.next()).toMatchObject({ value: { event: { id: 'second' } } });
    expect(await out.next()).toMatchObject({ done: true });
  });

  it('fails the stream of the blob that lost a race on a record, and its retry leaves that record out', async () => {
    const log = new MemoryRecordIdLog();
    const mine = new RecordDedupe(log);
    const theirs = new RecordDedupe(log);
    // Both read nothing yet; both start writing the shared record.
    const x = withoutRepeatedRecords(from([event('shared'), event('x-own')]), blob('x'), mine);
    const y = withoutRepeatedRecords(from([event('y-own'), event('shared')]), blob('y'), theirs);
    const results = await Promise.allSettled([collect(x.events), collect(y.events)]);
    const failed = results.filter((r) => r.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect((failed[0] as PromiseRejectedResult).reason).toBeInstanceOf(RecordReservedElsewhereError);
    const loser =
      results[0].status === 'rejected' ? { name: 'x', dedupe: mine } : { name: 'y', dedupe: theirs };
    const list = loser.name === 'x' ? [event('shared'), event('x-own')] : [event('y-own'), event('shared')];
    const retry = withoutRepeatedRecords(from(list), blob(loser.name), loser.dedupe);
    expect((await collect(retry.events)).map((e) => (e as { event: { id: string } }).event.id)).toEqual([
      `${loser.name}-own`,
    ]);
    expect(retry.suppressed()).toBe(1);
  });

  it('never holds back pipeline_error events, or events without an Id or a UTC time', async () => {
    const dedupe = new RecordDedupe(new MemoryRecordIdLog());
    const list = [
      event('p', '2024-05-01T10:00:00.000Z', 'pipeline_error'),
      { '@timestamp': '2024-05-01T10:00:00.000Z', event: {} },
      event('t', 'not a time'),
    ];
    for (const id of ['one', 'two']) {
      const out = withoutRepeatedRecords(from(list), blob(id), dedupe);
      expect(await collect(out.events)).toEqual(list);
    }
  });
});
