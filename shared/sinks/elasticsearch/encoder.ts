/**
 * One event as a `_bulk` create: `{"create":{"_id":…}}` and the document, each on its own line. The
 * target index is in the request path, not repeated per event. `create` (not `index`) is what data
 * streams accept, and with `_id` = event.id a record sent twice is a 409 conflict instead of a
 * second copy.
 */
import { positionalEventId, type ContentBlobRef } from '../sink';
import type { EncodedEvent, SinkEvent } from '../delivery/model';

/** Elasticsearch refuses an _id over 512 bytes. */
const MAX_ID_BYTES = 512;

/**
 * event.id (the record Id); an event without a usable one (a pipeline_error for a record without Id)
 * gets an id from its blob and position, which a retry of the same blob repeats.
 */
export function documentIdOf(event: SinkEvent, blob: ContentBlobRef): string {
  if (event.eventId !== undefined && Buffer.byteLength(event.eventId) <= MAX_ID_BYTES) return event.eventId;
  return positionalEventId(blob, event.position);
}

export function encodeBulkCreate(event: SinkEvent, blob: ContentBlobRef): EncodedEvent {
  const payload = `{"create":{"_id":${JSON.stringify(documentIdOf(event, blob))}}}\n${event.json}\n`;
  return { source: event, payload, bytes: Buffer.byteLength(payload) };
}
