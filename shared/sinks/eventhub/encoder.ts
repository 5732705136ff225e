/**
 * One ECS event as an Event Hubs event: the body is the event's JSON text as bytes (sent as an AMQP
 * data section, so consumers get exactly that text; an object body would be serialized a second
 * time), `messageId` is `event.id` so consumers can drop Microsoft's repeated records, and the
 * application properties `tenantId` and `contentType` let them route without parsing the body.
 */
import type { EncodedEvent, SinkEvent } from '../delivery/model';
import { positionalEventId, type ContentBlobRef } from '../sink';

export const EVENT_BODY_CONTENT_TYPE = 'application/json';

/**
 * Room for what AMQP adds around the body: the properties section (message id, content type), the
 * application-properties map, the partition key annotation, the batch's per-message framing and a
 * tracing Diagnostic-Id when tracing is on. An estimate: the SDK's tryAdd measures exactly.
 */
export const AMQP_ROOM_BYTES = 256;

export interface EventHubEvent {
  body: Buffer;
  messageId: string;
  contentType: string;
  properties: { tenantId: string; contentType: string };
}

/** event.id (the record Id); without one, an id from the blob and position, which a retry repeats. */
export function messageIdOf(event: SinkEvent, blob: ContentBlobRef): string {
  if (event.eventId !== undefined) return event.eventId;
  return positionalEventId(blob, event.position);
}

export function encodeEventHubEvent(event: SinkEvent, blob: ContentBlobRef): EncodedEvent {
  const messageId = messageIdOf(event, blob);
  const bytes =
    Buffer.byteLength(event.json) +
    Buffer.byteLength(messageId) +
    Buffer.byteLength(blob.tenantId) * 2 +
    blob.contentType.length +
    AMQP_ROOM_BYTES;
  return { source: event, payload: event.json, bytes };
}

/** The SDK's EventData for an encoded event; the body is the same bytes as the payload. */
export function eventHubEventOf(encoded: EncodedEvent, blob: ContentBlobRef): EventHubEvent {
  return {
    body: Buffer.from(encoded.payload, 'utf8'),
    messageId: messageIdOf(encoded.source, blob),
    contentType: EVENT_BODY_CONTENT_TYPE,
    properties: { tenantId: blob.tenantId, contentType: blob.contentType },
  };
}
