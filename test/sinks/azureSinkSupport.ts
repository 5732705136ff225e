/**
 * Shared by the eventhub and loganalytics sink tests: realistic events (simulator records normalized
 * by the real pipeline step) and a minimal driver that plays the sink framework's part (encode,
 * group under the service's limits, send, send the retried events again), so the services are
 * exercised the way the framework calls them. (Once the framework lands, BatchingContentSink can
 * drive them instead.) Events and blob references are the sink tests' common ones (./support).
 */
import { serializedJsonOf } from '../../shared/rawJson';
import type {
  BatchSinkService,
  EncodedEvent,
  ItemOutcome,
  SinkEvent,
} from '../../shared/sinks/delivery/model';
import { SinkRequestError } from '../../shared/sinks/delivery/errors';
import { batchesOf } from '../../shared/sinks/delivery/batches';
import type { ContentBlobRef } from '../../shared/sinks/sink';

export { blobRef, normalizedEvents, TENANT } from './support';

/** The framework's serialize-once step: the event's own JSON text where it carries one. */
export function sinkEventOf(event: object, position: number): SinkEvent {
  const id = (event as { event?: { id?: unknown } }).event?.id;
  return {
    event,
    json: serializedJsonOf(event) ?? JSON.stringify(event),
    position,
    eventId: typeof id === 'string' && id !== '' ? id : undefined,
  };
}

export interface Delivery {
  /** The last outcome of each event, by position; `refused` for one the encoder refused. */
  outcomes: (ItemOutcome | { status: 'refused'; reason: string })[];
  /** send() calls made. */
  requests: number;
  /** The batches as sent the first time, as event positions. */
  batches: number[][];
}

/** Delivers every event, sending events answered `retry` again (at once) up to `rounds` times. */
export async function deliverAll(
  service: BatchSinkService,
  blob: ContentBlobRef,
  events: readonly object[],
  rounds = 3,
): Promise<Delivery> {
  const delivery: Delivery = { outcomes: [], requests: 0, batches: [] };
  const encoded: EncodedEvent[] = [];
  events.forEach((event, position) => {
    try {
      encoded.push(service.encode(sinkEventOf(event, position), blob));
    } catch (error) {
      delivery.outcomes[position] = { status: 'refused', reason: (error as Error).message };
    }
  });
  async function* source() {
    yield* encoded;
  }
  for await (const batch of batchesOf(source(), service.limits)) {
    delivery.batches.push(batch.map((e) => e.source.position));
    let pending = batch;
    for (let round = 0; round < rounds && pending.length > 0; round++) {
      delivery.requests++;
      const outcomes = await service.send(pending, blob);
      expect(outcomes).toHaveLength(pending.length);
      pending.forEach((e, i) => (delivery.outcomes[e.source.position] = outcomes[i]));
      pending = pending.filter((_, i) => outcomes[i].status === 'retry');
    }
  }
  return delivery;
}

export function idOf(event: object): string {
  return (event as { event: { id: string } }).event.id;
}

/** The SinkRequestError a promise rejects with (failing the test if it resolves or rejects otherwise). */
export async function rejectedOf(promise: Promise<unknown>): Promise<SinkRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkRequestError);
  return error as SinkRequestError;
}
