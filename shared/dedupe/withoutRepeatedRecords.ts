/**
 * The de-duplication as a stage of the event stream, between normalization and the sink, that
 * holds no event back. Each event is judged at once on what this instance knows of the record-Id
 * logs: a record another blob reserved is dropped, any other goes on to the sink. Its hash is
 * reserved in the background, a chunk at a time, and before the stream ends (so before the sink can
 * commit) every reservation is checked against the logs' order. Should another blob have reserved
 * one of the records first in the meantime (two instances, or two blobs here, racing on a repeat),
 * the stream fails with RecordReservedElsewhereError: the sink then commits nothing, and the next
 * try of the blob knows to drop that record while keeping every record it reserved itself.
 *
 * Holding events until their reservation returned cost a third of the pipeline's throughput, most of
 * it in garbage collection of the events kept waiting.
 */
import type { ContentType } from '../contentTypes';
import { sha256Hex } from '../state/tableKeys';
import type { RecordBucket, RecordReserver } from './recordDedupe';
import { dayOf, recordIdHash, type RecordHash } from './recordIdLog';

export interface DedupeBlob {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
}

export interface DedupedEvents {
  events: AsyncIterable<object>;
  /** Events held back so far because another blob carried the same record; final once consumed. */
  suppressed(): number;
}

/** New record Ids per background reservation: one append per day of the chunk. */
export const DEDUPE_CHUNK_RECORDS = 1000;

/** Another blob reserved a record this blob was writing; the try must end without committing. */
export class RecordReservedElsewhereError extends Error {
  override readonly name = 'RecordReservedElsewhereError';
  constructor(
    readonly contentId: string,
    readonly records: number,
  ) {
    super(
      `${records} record(s) of content ${contentId} were reserved by another blob while this one was being ` +
        `written; the write is abandoned and the blob tried again without them`,
    );
  }
}

interface EventKey {
  day: string;
  hash: RecordHash;
}

/**
 * The record Id and day an event is de-duplicated on, or undefined for events that are not
 * (pipeline_error events, which must always reach the sink, and events without an Id or a UTC time).
 */
export function dedupeKeyOf(event: object): EventKey | undefined {
  const e = event as { '@timestamp'?: unknown; event?: { id?: unknown; kind?: unknown } };
  if (e.event?.kind === 'pipeline_error') return undefined;
  const id = e.event?.id;
  const time = e['@timestamp'];
  if (typeof id !== 'string' || id === '' || typeof time !== 'string') return undefined;
  const day = dayOf(time);
  return day === undefined ? undefined : { day, hash: recordIdHash(id) };
}

export function withoutRepeatedRecords(
  events: AsyncIterable<object>,
  blob: DedupeBlob,
  reserver: RecordReserver,
  chunkSize: number = DEDUPE_CHUNK_RECORDS,
): DedupedEvents {
  const owner = sha256Hex(blob.contentId);
  const buckets = new Map<string, RecordBucket>();
  const bucketOf = (day: string): RecordBucket => {
    let bucket = buckets.get(day);
    if (!bucket) buckets.set(day, (bucket = { tenantId: blob.tenantId, contentType: blob.contentType, day }));
    return bucket;
  };
  const lostOwners = new Map<string, Promise<boolean>>();
  const pending = new Map<string, RecordHash[]>();
  const reservations: Promise<boolean[]>[] = [];
  let pendingCount = 0;
  let suppressed = 0;

  const reservePending = () => {
    for (const [day, hashes] of pending) {
      const taken = reserver.reserve(bucketOf(day), owner, hashes);
      // Awaited at the end of the stream; until then a failure must not count as unhandled.
      taken.catch(() => undefined);
      reservations.push(taken);
    }
    pending.clear();
    pendingCount = 0;
  };

  const noteForReservation = (key: EventKey) => {
    const day = pending.get(key.day);
    if (day) day.push(key.hash);
    else pending.set(key.day, [key.hash]);
    if (++pendingCount >= chunkSize) reservePending();
  };

  /** True when another blob carried the record (and can still be written). Awaits only then. */
  async function reservedByLiveOwner(first: string): Promise<boolean> {
    let lost = lostOwners.get(first);
    if (!lost) lostOwners.set(first, (lost = reserver.isLost(blob.tenantId, first)));
    return !(await lost);
  }

  async function* filtered(): AsyncGenerator<object> {
    for await (const event of events) {
      const key = dedupeKeyOf(event);
      if (key) {
        const first = reserver.knownOwner(bucketOf(key.day), key.hash);
        // A first owner that is this blob is an earlier try of it: those records are ours to write.
        if (first !== undefined && first !== owner && (await reservedByLiveOwner(first))) {
          suppressed++;
          continue;
        }
        if (first !== owner) noteForReservation(key);
      }
      yield event;
    }
    reservePending();
    let reservedElsewhere = 0;
    for (const taken of await Promise.all(reservations)) {
      for (const t of taken) if (t) reservedElsewhere++;
    }
    if (reservedElsewhere > 0) throw new RecordReservedElsewhereError(blob.contentId, reservedElsewhere);
  }

  return { events: filtered(), suppressed: () => suppressed };
}
