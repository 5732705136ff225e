/**
 * Serializes each event once, for every sink: an event that already carries its JSON text (spliced in
 * by the pipeline) is not stringified again.
 */
import { serializedJsonOf } from '../../rawJson';
import type { SinkEvent } from './model';

export type SerializedOrRefused =
  | { ok: true; event: SinkEvent }
  | { ok: false; position: number; eventId?: string; reason: string; event: object };

export function eventIdOf(event: object): string | undefined {
  const id = (event as { event?: { id?: unknown } }).event?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function toSinkEvent(event: object, position: number): SerializedOrRefused {
  const eventId = eventIdOf(event);
  let json = serializedJsonOf(event);
  if (json === undefined) {
    try {
      json = JSON.stringify(event);
    } catch (error) {
      return {
        ok: false,
        position,
        eventId,
        reason: `cannot be serialized as JSON: ${(error as Error).message}`,
        event,
      };
    }
    if (json === undefined)
      return { ok: false, position, eventId, reason: 'JSON.stringify returned nothing', event };
  }
  return { ok: true, event: { event, json, position, eventId } };
}
