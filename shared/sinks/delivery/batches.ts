/**
 * Groups encoded events into batches under a sink's limits. Lazy: a batch is yielded as soon as the
 * next event would not fit, so only one batch is held here at a time whatever the blob's size.
 */
import type { EncodedEvent, SinkLimits } from './model';

export async function* batchesOf(
  events: AsyncIterable<EncodedEvent>,
  limits: Pick<SinkLimits, 'maxBatchBytes' | 'maxBatchEvents'>,
): AsyncGenerator<EncodedEvent[]> {
  let batch: EncodedEvent[] = [];
  let bytes = 0;
  for await (const event of events) {
    if (
      batch.length > 0 &&
      (bytes + event.bytes > limits.maxBatchBytes || batch.length >= limits.maxBatchEvents)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += event.bytes;
  }
  if (batch.length > 0) yield batch;
}
