/**
 * The original Management Activity record an event was made from. `event.original` holds its exact
 * text where the normalizer keeps it; otherwise `o365.audit` is the record itself. The text wins:
 * `o365.audit` may be reshaped (Parameters as an object keyed by name), while the OfficeActivity-like
 * columns want the record as Microsoft wrote it.
 */
import { isObject, type JsonObject } from '../../normalize/values';

export function originalRecordOf(event: object): JsonObject {
  const e = event as { event?: { original?: unknown }; o365?: { audit?: unknown } };
  const text = e.event?.original;
  if (typeof text === 'string') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON: fall back to o365.audit below.
    }
  }
  const audit = e.o365?.audit;
  return isObject(audit) ? audit : {};
}
