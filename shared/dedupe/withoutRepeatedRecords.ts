/**
 * The de-duplication as a stage of the event stream, between normalization and the sink: events are
 * taken in chunks, each chunk's record Ids are reserved per hour, and only the events whose record no
 * other blob reserved first go on. Memory stays bounded by the chunk.
 */
import type { ContentType } from '../contentTypes';
import { sha256Hex } from '../state/tableKeys';
import type { RecordReserver } from './recordDedupe';
import { hourOf, recordIdHash, type RecordHash } from './recordIdLog';

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

/** Events gathered before one reservation: one append and one read per hour of the chunk. */
export const DEDUPE_CHUNK_EVENTS = 2000;

interface EventKey {
  hour: string;
  hash: RecordHash;
}

/**
 * The record Id and hour an event is de-duplicated on, or undefined for events that are not
 * (pipeline_error events, which must always reach the sink, and events without an Id or a UTC time).
 */
export function dedupeKeyOf(event: object): EventKey | undefined {
  const e = event as { '@timestamp'?: unknown; event?: { id?: unknown; kind?: unknown } };
  if (e.event?.kind === 'pipeline_error') return undefined;
  const id = e.event?.id;
  const time = e['@timestamp'];
  if (typeof id !== 'string' || id === '' || typeof time !== 'string') return undefined;
  const hour = hourOf(time);
  return hour === undefined ? undefined : { hour, hash: recordIdHash(id) };
}

export function withoutRepeatedRecords(
  events: AsyncIterable<object>,
  blob: DedupeBlob,
  reserver: RecordReserver,
  chunkSize: number = DEDUPE_CHUNK_EVENTS,
): DedupedEvents {
  const owner = sha256Hex(blob.contentId);
  let suppressed = 0;

  async function keep(chunk: object[]): Promise<boolean[]> {
    const kept = chunk.map(() => true);
    const byHour = new Map<string, { indexes: number[]; hashes: RecordHash[] }>();
    chunk.forEach((event, index) => {
      const key = dedupeKeyOf(event);
      if (!key) return;
      let group = byHour.get(key.hour);
      if (!group) byHour.set(key.hour, (group = { indexes: [], hashes: [] }));
      group.indexes.push(index);
      group.hashes.push(key.hash);
    });
    await Promise.all(
      [...byHour].map(async ([hour, group]) => {
        const taken = await reserver.reserve(
          { tenantId: blob.tenantId, contentType: blob.contentType, hour },
          owner,
          group.hashes,
        );
        taken.forEach((t, i) => {
          if (t) kept[group.indexes[i]] = false;
        });
      }),
    );
    return kept;
  }

  async function* filtered(): AsyncGenerator<object> {
    let chunk: object[] = [];
    const flush = async function* (): AsyncGenerator<object> {
      const kept = await keep(chunk);
      for (let i = 0; i < chunk.length; i++) {
        if (kept[i]) yield chunk[i];
        else suppressed++;
      }
      chunk = [];
    };
    for await (const event of events) {
      chunk.push(event);
      if (chunk.length >= chunkSize) yield* flush();
    }
    if (chunk.length > 0) yield* flush();
  }

  return { events: filtered(), suppressed: () => suppressed };
}
