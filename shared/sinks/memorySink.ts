/** An in-memory EventSink with the same replace-per-blob behaviour, for tests and benchmarks. */
import { sinkPathFor } from './blobNdjsonSink';
import { ContentBlobRef, EventSink, ndjsonLine, SinkWriteResult } from './sink';

export class MemorySink implements EventSink {
  readonly name = 'memory';
  /** Events per sink path, as written last. */
  readonly blobs = new Map<string, object[]>();
  /** How many writes were made (rewrites included). */
  writes = 0;

  async write(
    blob: ContentBlobRef,
    events: AsyncIterable<object> | Iterable<object>,
  ): Promise<SinkWriteResult> {
    const path = sinkPathFor(blob);
    const kept: object[] = [];
    let bytes = 0;
    for await (const event of events) {
      bytes += Buffer.byteLength(ndjsonLine(event, kept.length));
      kept.push(event);
    }
    this.writes++;
    this.blobs.set(path, kept);
    return { location: `memory/${path}`, events: kept.length, bytes };
  }

  /** Every event currently held, across blobs. */
  allEvents(): object[] {
    return [...this.blobs.values()].flat();
  }
}
