/**
 * The `blob` sink on the framework: the existing NDJSON blob writer (one blob per content blob,
 * replaced on a retry) behind the ContentSink interface. Its path logic stays in blobNdjsonSink.ts.
 */
import type { ContentSink, SinkBlobOutcome, SinkHealth } from '../delivery/model';
import { type ContentBlobRef, type EventSink, SinkWriteError } from '../sink';

export class BlobContentSink implements ContentSink {
  readonly name = 'blob';
  /** A retry replaces the blob's file, but a record repeated in two content blobs is in both. */
  readonly idempotentOnEventId = false;

  constructor(private readonly writer: EventSink & { ensureExists?(): Promise<void> }) {}

  async deliver(blob: ContentBlobRef, events: AsyncIterable<object>): Promise<SinkBlobOutcome> {
    try {
      const written = await this.writer.write(blob, events);
      // A blob finished by an earlier try is kept as it was (the conditional commit): done all the same.
      const earlier = written.alreadyWritten === true;
      return {
        sink: this.name,
        status: 'completed',
        events: written.events,
        written: earlier ? 0 : written.events,
        alreadyPresent: earlier ? written.events : 0,
        deadLettered: 0,
        requests: 1,
        location: written.location,
      };
    } catch (error) {
      // Anything but the writer's own failure came from the event stream: the caller's to classify.
      if (!(error instanceof SinkWriteError)) throw error;
      return {
        sink: this.name,
        status: 'failed',
        events: 0,
        written: 0,
        alreadyPresent: 0,
        deadLettered: 0,
        requests: 1,
        error,
      };
    }
  }

  async checkHealth(): Promise<SinkHealth> {
    try {
      await this.writer.ensureExists?.();
      return { ok: true, detail: 'events container reachable' };
    } catch (error) {
      return { ok: false, detail: `events container not reachable: ${(error as Error).message}` };
    }
  }
}
