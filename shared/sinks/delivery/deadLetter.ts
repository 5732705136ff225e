/**
 * Where events a sink refused for good go, with the sink's reason, so nothing is silently dropped:
 * `deadletter/<sink>/<tenant>/<contentType>/<sha256(contentId), 32 hex>.ndjson` in the events
 * container, one JSON line per event. A later delivery of the same blob to the same sink replaces the
 * file (blocks are staged while events arrive and committed at the end), so retries do not pile up
 * copies, and memory stays bounded by one block however many events are refused.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import { StorageOperationError } from '../../storage/storageError';
import { contentFileName, type ContentBlobRef } from '../sink';
import { containerCreator } from '../../storage/containerCreator';

export interface DeadLetterEntry {
  position: number;
  eventId?: string;
  reason: string;
  /** The sink's error code or type (mapper_parsing_exception, HEC code 6, ...). */
  code?: string;
  statusCode?: number;
  /** The event's JSON text. */
  json: string;
}

export interface DeadLetterFile {
  add(entry: DeadLetterEntry): Promise<void>;
  readonly count: number;
  /** Commits what was added; answers its location, or undefined when nothing was added. */
  close(): Promise<string | undefined>;
}

export interface DeadLetterStore {
  open(sink: string, blob: ContentBlobRef): DeadLetterFile;
}

export const DEAD_LETTER_PREFIX = 'deadletter';

export function deadLetterPathFor(sink: string, blob: ContentBlobRef): string {
  const hash = contentFileName(blob.contentId);
  return [
    DEAD_LETTER_PREFIX,
    encodeURIComponent(sink),
    encodeURIComponent(blob.tenantId),
    encodeURIComponent(blob.contentType),
    `${hash}.ndjson`,
  ].join('/');
}

/** One dead-letter line: the facts first, the event last (it can be large). */
export function deadLetterLine(sink: string, blob: ContentBlobRef, entry: DeadLetterEntry, at: Date): string {
  const head = JSON.stringify({
    sink,
    reason: entry.reason,
    code: entry.code,
    statusCode: entry.statusCode,
    tenantId: blob.tenantId,
    contentType: blob.contentType,
    contentId: blob.contentId,
    position: entry.position,
    eventId: entry.eventId,
    deadLetteredAt: at.toISOString(),
  });
  return `${head.slice(0, -1)},"event":${entry.json}}\n`;
}

const BLOCK_BYTES = 4 * 1024 * 1024;

export class BlobDeadLetterStore implements DeadLetterStore {
  private readonly ensureContainer: () => Promise<void>;

  constructor(
    private readonly container: ContainerClient,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.ensureContainer = containerCreator(container);
  }

  open(sink: string, blob: ContentBlobRef): DeadLetterFile {
    const path = deadLetterPathFor(sink, blob);
    const client = this.container.getBlockBlobClient(path);
    const blockIds: string[] = [];
    const runId = randomBytes(6).toString('hex');
    let pending: string[] = [];
    let pendingBytes = 0;
    let count = 0;
    // Stages run one after another, so block ids keep the order events were added in.
    let staging: Promise<void> = Promise.resolve();
    const stage = (): Promise<void> => {
      if (pending.length === 0) return staging;
      const body = Buffer.from(pending.join(''), 'utf8');
      pending = [];
      pendingBytes = 0;
      // Block ids must all have the same length within a blob.
      const id = Buffer.from(`${runId}-${String(blockIds.length).padStart(6, '0')}`).toString('base64');
      blockIds.push(id);
      staging = staging.then(async () => {
        await this.ensureContainer();
        await client.stageBlock(id, body, body.length);
      });
      return staging;
    };
    return {
      add: async (entry) => {
        const line = deadLetterLine(sink, blob, entry, this.clock());
        pending.push(line);
        pendingBytes += line.length;
        count++;
        if (pendingBytes >= BLOCK_BYTES) await stage();
      },
      get count() {
        return count;
      },
      close: async () => {
        if (count === 0) return undefined;
        try {
          await stage();
          await client.commitBlockList(blockIds, {
            blobHTTPHeaders: { blobContentType: 'application/x-ndjson' },
            metadata: {
              sink,
              tenantId: blob.tenantId,
              contentType: blob.contentType,
              contentId: encodeURIComponent(blob.contentId),
              eventCount: String(count),
            },
          });
        } catch (error) {
          throw new StorageOperationError(`write dead letter ${path}`, error);
        }
        return `${this.container.containerName}/${path}`;
      },
    };
  }
}

/** Keeps dead letters in memory: for tests and benchmarks. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  /** Lines per dead-letter path, as last committed. */
  readonly files = new Map<string, string[]>();

  open(sink: string, blob: ContentBlobRef): DeadLetterFile {
    const path = deadLetterPathFor(sink, blob);
    const lines: string[] = [];
    return {
      add: async (entry) => {
        lines.push(deadLetterLine(sink, blob, entry, new Date()));
      },
      get count() {
        return lines.length;
      },
      close: async () => {
        if (lines.length === 0) return undefined;
        this.files.set(path, lines);
        return `memory/${path}`;
      },
    };
  }

  /** Every dead-lettered entry, parsed. */
  entries(): Array<Record<string, unknown> & { event: object }> {
    return [...this.files.values()]
      .flat()
      .map((l) => JSON.parse(l) as Record<string, unknown> & { event: object });
  }
}
