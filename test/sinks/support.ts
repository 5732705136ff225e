/** Realistic events for sink tests: simulator records normalized by the real pipeline step. */
import { generateRecords } from '../../local/simulator';
import type { ContentType } from '../../shared/contentTypes';
import { normalizeBlobRecords } from '../../shared/pipeline/normalizeBlob';
import type { ContentBlobRef } from '../../shared/sinks/sink';
import { BatchingContentSink, type DeliveryOptions } from '../../shared/sinks/delivery/batchingContentSink';
import { MemoryDeadLetterStore } from '../../shared/sinks/delivery/deadLetter';
import type { BatchSinkService } from '../../shared/sinks/delivery/model';

export const TENANT = '11111111-2222-3333-4444-555555555555';

export function blobRef(contentId: string, contentType: ContentType = 'Audit.Exchange'): ContentBlobRef {
  return { tenantId: TENANT, contentType, contentId };
}

/** n normalized events of one content type, as the pipeline hands them to sinks (JSON text attached). */
export async function normalizedEvents(
  n: number,
  seed = 11,
  contentType: ContentType = 'Audit.Exchange',
): Promise<object[]> {
  const records = generateRecords(contentType, n, { seed, tenantId: TENANT });
  async function* source() {
    yield* records;
  }
  const out: object[] = [];
  for await (const e of normalizeBlobRecords(source(), {
    tenantId: TENANT,
    contentType,
    contentId: `c-${seed}`,
  }).events) {
    out.push(e);
  }
  return out;
}

export async function* streamOf<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

export function idOf(event: object): string {
  return (event as { event: { id: string } }).event.id;
}

/** Sleeps recorded, not waited, so retry tests are instant and can assert the delays. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** A service on the shared machinery, with dead letters in memory and sleeps recorded. */
export function onFramework(service: BatchSinkService, options: Partial<DeliveryOptions> = {}) {
  const deadLetters = new MemoryDeadLetterStore();
  const sleeper = recordingSleep();
  const sink = new BatchingContentSink(service, deadLetters, {
    sleep: sleeper.sleep,
    random: () => 0.5,
    ...options,
  });
  return { sink, deadLetters, delays: sleeper.delays };
}
