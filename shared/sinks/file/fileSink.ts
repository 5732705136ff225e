/**
 * The `file` sink for local runs: one NDJSON file per content blob under FILE_SINK_DIR, at the same
 * relative path the blob sink uses, so `tail -f` shows events without a storage browser. The file is
 * written under a temporary name and renamed into place, so a reader never sees half a file and a
 * retry replaces the earlier file whole.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, access } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { once } from 'node:events';
import { sinkPathFor } from '../blobNdjsonSink';
import type { ContentSink, SinkBlobOutcome, SinkHealth } from '../delivery/model';
import { type ContentBlobRef, ndjsonLine, SinkWriteError, UnserializableEventError } from '../sink';

export interface FileSinkConfig {
  /** Absolute folder the files go under. */
  dir: string;
}

export class FileContentSink implements ContentSink {
  readonly name = 'file';
  readonly idempotentOnEventId = false;

  constructor(private readonly config: FileSinkConfig) {}

  /** Where one content blob's events are written. */
  fileFor(blob: ContentBlobRef): string {
    return path.join(this.config.dir, ...sinkPathFor(blob).split('/'));
  }

  async deliver(blob: ContentBlobRef, events: AsyncIterable<object>): Promise<SinkBlobOutcome> {
    const target = this.fileFor(blob);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    let count = 0;
    let sourceError: unknown;
    let sourceFailed = false;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const out = createWriteStream(temp, { flags: 'wx' });
      const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
      failed.catch(() => undefined);
      try {
        try {
          for await (const event of events) {
            const line = ndjsonLine(event, count);
            count++;
            if (!out.write(line)) await Promise.race([once(out, 'drain'), failed]);
          }
        } catch (error) {
          if (error instanceof UnserializableEventError) throw error;
          sourceFailed = true;
          sourceError = error;
          throw error;
        }
        out.end();
        // 'close' (not 'finish'): the descriptor is released before the rename, which Windows needs.
        await Promise.race([once(out, 'close'), failed]);
      } finally {
        // The file is opened asynchronously: a stream destroyed before its open completes still
        // creates the file, so wait for 'close' before the temporary file is removed below.
        if (!out.closed) {
          const closed = once(out, 'close').catch(() => undefined);
          out.destroy();
          await closed;
        }
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (sourceFailed) throw sourceError;
      return {
        sink: this.name,
        status: 'failed',
        events: count,
        written: 0,
        alreadyPresent: 0,
        deadLettered: 0,
        requests: 1,
        error: new SinkWriteError({
          sink: this.name,
          contentId: blob.contentId,
          reason: (error as Error).message,
          cause: error,
        }),
      };
    }
    return {
      sink: this.name,
      status: 'completed',
      events: count,
      written: count,
      alreadyPresent: 0,
      deadLettered: 0,
      requests: 1,
      location: target,
    };
  }

  async checkHealth(): Promise<SinkHealth> {
    try {
      await mkdir(this.config.dir, { recursive: true });
      await access(this.config.dir);
      return { ok: true, detail: `writing to ${this.config.dir}` };
    } catch (error) {
      return { ok: false, detail: `cannot write to ${this.config.dir}: ${(error as Error).message}` };
    }
  }
}
