/** An in-memory EventSink that, like the blob sink, keeps the first finished write of a blob. */
import { sinkPathFor } from './blobNdjsonSink';
import { ContentBlobRef, EventSink, ndjsonLine, SinkWriteResult } from './sink';

export class MemorySink implements EventSink {
  readonly name = 'memory';
  /** Events per sink path, as the first finished write left them. */
  readonly blobs = new Map<string, object[]>();
  /** How many writes were made (those that found the blob already written included). */
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
    const earlier = this.blobs.get(path);
    if (earlier) {
      const earlierBytes = earlier.reduce((n, e, i) => n + Buffer.byteLength(ndjsonLine(e, i)), 0);
      return {
        location: `memory/${path}`,
        events: earlier.length,
        bytes: earlierBytes,
        alreadyWritten: true,
      };
    }
    this.blobs.set(path, kept);
    return { location: `memory/${path}`, events: kept.length, bytes };
  }

  /** Every event currently held, across blobs. */
  allEvents(): object[] {
    return [...this.blobs.values()].flat();
  }
}
