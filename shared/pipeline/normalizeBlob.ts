/**
 * Turns one content blob's records into the events the sink writes: each record normalized once
 * (Microsoft repeats records, even inside one blob), and a record that cannot be normalized kept as
 * an ECS `pipeline_error` event with the original, so nothing is silently dropped.
 */
import type { NormalizeContext } from '../normalize';
import { normalizeRecord, type EcsEvent } from '../normalize';
import { serializeEvent } from '../normalize/serialize';
import { attachJsonText, SERIALIZED_JSON } from '../rawJson';

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

function recordIdOf(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const id = (record as { Id?: unknown }).Id;
  return typeof id === 'string' && id !== '' ? id.toLowerCase() : undefined;
}

export function pipelineErrorEvent(record: unknown, reason: string, context: NormalizeContext): object {
  const id = record !== null && typeof record === 'object' ? (record as { Id?: unknown }).Id : undefined;
  return {
    '@timestamp': new Date().toISOString(),
    event: {
      kind: 'pipeline_error',
      provider: 'm365-activity-receiver',
      reason,
      // Kept when the record has a usable Id, so a search by Id finds the record that failed.
      ...(typeof id === 'string' && id !== '' ? { id } : {}),
    },
    error: { message: reason },
    ...(context.tenantId ? { organization: { id: context.tenantId } } : {}),
    o365: { audit: record, contentId: context.contentId, contentType: context.contentType },
  };
}

/**
 * Serializes the event here, splicing in the record's original text, so the sink writes it without
 * stringifying the original again. A failure leaves the event as it is for the sink to report.
 */
function withSerializedJson(event: EcsEvent): EcsEvent {
  try {
    attachJsonText(event, SERIALIZED_JSON, serializeEvent(event));
  } catch {
    // the sink's own serialization reports the reason with the event's position
  }
  return event;
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
      const result = normalizeRecord(record, context);
      stats.events += 1;
      if (result.ok) {
        yield withSerializedJson(result.event);
      } else {
        stats.rejectedRecords += 1;
        yield pipelineErrorEvent(record, result.reason, context);
      }
    }
  }
  return { events: events(), stats: () => ({ ...stats }) };
}
