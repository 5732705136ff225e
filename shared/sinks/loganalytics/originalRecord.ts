/**
 * The original Management Activity record an event was made from, for the OfficeActivity-like
 * columns, which want the record as Microsoft wrote it (Parameters as its Name/Value list), while
 * `o365.audit` may be reshaped (Parameters as an object keyed by name). In order: `event.original`
 * (PRESERVE_ORIGINAL_EVENT), else the text the reshaped `o365.audit` was made from (kept in memory
 * by the normalizer), else `o365.audit` itself, which is then the record unchanged.
 */
import { reshapedSourceText } from '../../normalize/auditRecord';
import { isObject, type JsonObject } from '../../normalize/values';

function parsedObject(text: unknown): JsonObject | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    // Not JSON: the next source is tried.
    return undefined;
  }
}

export function originalRecordOf(event: object): JsonObject {
  const e = event as { event?: { original?: unknown }; o365?: { audit?: unknown } };
  const fromOriginal = parsedObject(e.event?.original);
  if (fromOriginal) return fromOriginal;
  const audit = e.o365?.audit;
  if (!isObject(audit)) return {};
  // Only a reshaped copy needs its source text read again; an unchanged record is the record.
  return parsedObject(reshapedSourceText(audit)) ?? audit;
}
