/**
 * An event as one line of JSON text. A large part of an event is the record under `o365.audit`;
 * when the record carries the text it arrived as (see shared/rawJson.ts), that text is spliced in
 * instead of serializing the record again: as it is when nothing was reshaped, with the reshaped
 * values replaced otherwise (see auditRecord.ts). Text with line breaks (indented or CRLF content)
 * is never spliced: NDJSON allows none, so such a record is serialized instead. `event.original`
 * is a JSON string, whose line breaks JSON.stringify escapes.
 */
import { randomBytes } from 'node:crypto';
import { rawJsonTextOf } from '../rawJson';
import { reshapedAuditText } from './auditRecord';
import type { EcsEvent } from './ecsEvent';

/**
 * Deepest record written. Real records nest about ten levels; JSON readers commonly stop at 64
 * (.NET) to 1000 (Jackson, Python), and the event adds two levels above the record.
 */
export const MAX_RECORD_DEPTH = 60;

/** Thrown when an event cannot be written as one line of JSON. */
export class UnserializableEventError extends Error {
  constructor(reason: string) {
    super(`the event cannot be written as JSON: ${reason}`);
    this.name = 'UnserializableEventError';
  }
}

// A per-process random marker: record values are attacker-controlled text, so a fixed marker could
// be planted in a field that is serialized before o365.audit.
const MARKER = `\u0000o365-audit-${randomBytes(12).toString('hex')}\u0000`;
const QUOTED_MARKER = JSON.stringify(MARKER);

function hasLineBreak(text: string): boolean {
  return text.includes('\n') || text.includes('\r');
}

function stringify(event: EcsEvent): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(event);
  } catch (error) {
    throw new UnserializableEventError((error as Error).message);
  }
  if (typeof text !== 'string') throw new UnserializableEventError('JSON.stringify returned nothing');
  return text;
}

/** The text of `o365.audit` made from the record's own text, when it has one to make it from. */
function auditText(audit: unknown): string | undefined {
  try {
    return rawJsonTextOf(audit) ?? reshapedAuditText(audit);
  } catch (error) {
    throw new UnserializableEventError((error as Error).message);
  }
}

export function serializeEvent(event: EcsEvent): string {
  const o365 = event.o365 as { audit?: unknown } | undefined;
  const originalText = auditText(o365?.audit);
  if (o365 === undefined || originalText === undefined || hasLineBreak(originalText)) return stringify(event);
  const audit = o365.audit;
  o365.audit = MARKER;
  let text: string;
  try {
    text = stringify(event);
  } finally {
    o365.audit = audit;
  }
  // o365 is the event's last field, so the marker is found fastest from the end.
  const at = text.lastIndexOf(QUOTED_MARKER);
  // Only if the event changed under us; serialize plainly rather than guess.
  if (at < 0) return stringify(event);
  return text.slice(0, at) + originalText + text.slice(at + QUOTED_MARKER.length);
}
