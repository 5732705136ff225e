/**
 * Turns one content blob's records into the events the sink writes: each record normalized once
 * (Microsoft repeats records, even inside one blob) and serialized here, so the sink only writes
 * text. A record that cannot be normalized, or whose event cannot be written as one line of JSON
 * (nested too deep, say), is kept as an ECS `pipeline_error` event with its original text, so one
 * odd record never fails the rest of its blob and nothing is silently dropped.
 */
import type { NormalizeContext } from '../normalize';
import { normalizeRecord, type EcsEvent } from '../normalize';
import { MAX_RECORD_DEPTH, serializeEvent } from '../normalize/serialize';
import { attachJsonText, rawJsonDepthOf, rawJsonTextOf, SERIALIZED_JSON } from '../rawJson';

export interface BlobNormalizationStats {
  records: number;
  events: number;
  duplicateRecords: number;
  rejectedRecords: number;
}

export interface NormalizedBlob {
  events: AsyncIterable<object>;
  /** Final once `events` has been consumed. */
  stats(): BlobNormalizationStats;
}

/** Most of a pipeline_error's original that is kept; a record is rarely larger, and the rest is noise. */
export const MAX_ERROR_ORIGINAL_CHARS = 64 * 1024;

function recordIdOf(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const id = (record as { Id?: unknown }).Id;
  return typeof id === 'string' && id !== '' ? id.toLowerCase() : undefined;
}

/** The record's text, as it arrived or serialized; undefined when JSON cannot write it. */
function recordText(record: unknown): string | undefined {
  const raw = rawJsonTextOf(record);
  if (raw !== undefined) return raw;
  try {
    return JSON.stringify(record) ?? String(record);
  } catch {
    return undefined;
  }
}

export function pipelineErrorEvent(record: unknown, reason: string, context: NormalizeContext): object {
  const id = record !== null && typeof record === 'object' ? (record as { Id?: unknown }).Id : undefined;
  const text = recordText(record);
  const truncated = text !== undefined && text.length > MAX_ERROR_ORIGINAL_CHARS;
  const message = truncated
    ? `${reason} (original cut to its first ${MAX_ERROR_ORIGINAL_CHARS} of ${text.length} characters)`
    : reason;
  // The record itself is kept only when it is small and writable; event.original always has its text.
  const keepRecord = text !== undefined && !truncated && (rawJsonDepthOf(record) ?? 0) <= MAX_RECORD_DEPTH;
  return {
    '@timestamp': new Date().toISOString(),
    event: {
      kind: 'pipeline_error',
      provider: 'm365-activity-receiver',
      reason,
      // Kept when the record has a usable Id, so a search by Id finds the record that failed.
      ...(typeof id === 'string' && id !== '' ? { id } : {}),
      original:
        text === undefined
          ? '(the record cannot be written as JSON)'
          : text.slice(0, MAX_ERROR_ORIGINAL_CHARS),
    },
    error: { message },
    ...(context.tenantId ? { organization: { id: context.tenantId } } : {}),
    o365: {
      ...(keepRecord ? { audit: record } : {}),
      contentId: context.contentId,
      contentType: context.contentType,
    },
  };
}

/** Attaches the event's JSON text; the reason when it cannot be written as one line. */
function attachText<T extends object>(event: T, serialize: (e: T) => string): string | undefined {
  try {
    attachJsonText(event, SERIALIZED_JSON, serialize(event));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const stringify = (e: object): string => JSON.stringify(e);

function errorEvent(record: unknown, reason: string, context: NormalizeContext): object {
  const event = pipelineErrorEvent(record, reason, context);
  if (attachText(event, stringify) === undefined) return event;
  // Built to be writable; should the record itself still defeat JSON, its text alone is kept.
  const textOnly = { ...event, o365: { contentId: context.contentId, contentType: context.contentType } };
  attachText(textOnly, stringify);
  return textOnly;
}

function eventFor(record: unknown, context: NormalizeContext): { event: object; rejected: boolean } {
  const depth = rawJsonDepthOf(record);
  if (depth !== undefined && depth > MAX_RECORD_DEPTH) {
    const reason = `record nests ${depth} levels deep, more than the ${MAX_RECORD_DEPTH} that JSON readers are sure to accept`;
    return { event: errorEvent(record, reason, context), rejected: true };
  }
  const result = normalizeRecord(record, context);
  if (!result.ok) return { event: errorEvent(record, result.reason, context), rejected: true };
  const problem = attachText<EcsEvent>(result.event, serializeEvent);
  if (problem === undefined) return { event: result.event, rejected: false };
  const reason = `record ${result.event.event.id}: ${problem}`;
  return { event: errorEvent(record, reason, context), rejected: true };
}

export function normalizeBlobRecords(
  records: AsyncIterable<unknown>,
  context: NormalizeContext,
): NormalizedBlob {
  const stats: BlobNormalizationStats = { records: 0, events: 0, duplicateRecords: 0, rejectedRecords: 0 };
  const seen = new Set<string>();
  async function* events(): AsyncGenerator<object> {
    for await (const record of records) {
      stats.records += 1;
      const id = recordIdOf(record);
      if (id !== undefined) {
        if (seen.has(id)) {
          stats.duplicateRecords += 1;
          continue;
        }
        seen.add(id);
      }
      const { event, rejected } = eventFor(record, context);
      stats.events += 1;
      if (rejected) stats.rejectedRecords += 1;
      yield event;
    }
  }
  return { events: events(), stats: () => ({ ...stats }) };
}
