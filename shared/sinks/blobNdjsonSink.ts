/**
 * The default sink: one NDJSON blob per content blob, at a path derived only from the content blob
 * itself, so a retry overwrites the same blob instead of adding a second copy.
 *
 * Memory stays bounded for large content: events are serialized lazily into a Readable that
 * `uploadStream` consumes in fixed-size blocks; nothing holds the whole blob.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { StorageOperationError, storageErrorDetails } from '../storage/storageError';
import {
  ContentBlobRef,
  EventSink,
  ndjsonLine,
  SinkWriteError,
  SinkWriteResult,
  UnserializableEventError,
} from './sink';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
/** Block size and number of blocks in flight: at most ~16 MiB buffered per write. */
const BLOCK_BYTES = 4 * 1024 * 1024;
const BLOCKS_IN_FLIGHT = 4;
/** Lines are grouped into chunks of about this size before they enter the stream. */
const CHUNK_BYTES = 64 * 1024;

/**
 * `<tenantId>/<contentType>/yyyy/MM/dd/HH/<sha256(contentId), 32 hex>.ndjson`, the hour from
 * contentCreated in UTC; without a usable contentCreated: `<tenantId>/<contentType>/undated/<hash>.ndjson`.
 */
export function sinkPathFor(blob: ContentBlobRef): string {
  const hash = createHash('sha256').update(blob.contentId, 'utf8').digest('hex').slice(0, 32);
  const prefix = `${encodeURIComponent(blob.tenantId)}/${encodeURIComponent(blob.contentType)}`;
  const created = parseContentCreated(blob.contentCreated);
  if (created === undefined) return `${prefix}/undated/${hash}.ndjson`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = [
    String(created.getUTCFullYear()).padStart(4, '0'),
    pad(created.getUTCMonth() + 1),
    pad(created.getUTCDate()),
    pad(created.getUTCHours()),
  ].join('/');
  return `${prefix}/${date}/${hash}.ndjson`;
}

/**
 * contentCreated is ISO 8601 in practice, but not always with a zone designator; JavaScript would
 * read a zoneless date-time as local time, which would move blobs between hour folders by host.
 * The API's times are UTC, so a missing zone means UTC.
 */
export function parseContentCreated(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
      text,
    );
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    return undefined;
  }
  // Date would roll a day that the month does not have (2024-02-31) into the next month.
  if (new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day) return undefined;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone ? normalizeZone(zone) : 'Z'}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function normalizeZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

export class BlobNdjsonSink implements EventSink {
  readonly name = 'blob-ndjson';
  private readonly container: ContainerClient;
  private ready?: Promise<void>;

  constructor(blobService: BlobServiceClient, containerName: string) {
    this.container = blobService.getContainerClient(containerName);
  }

  ensureExists(): Promise<void> {
    if (!this.ready) {
      this.ready = this.container.createIfNotExists().then(
        () => undefined,
        (error: unknown) => {
          this.ready = undefined;
          throw new StorageOperationError(`create container ${this.container.containerName}`, error);
        },
      );
    }
    return this.ready;
  }

  async write(
    blob: ContentBlobRef,
    events: AsyncIterable<object> | Iterable<object>,
  ): Promise<SinkWriteResult> {
    const path = sinkPathFor(blob);
    const counter: SerializeState = { events: 0, bytes: 0 };
    // uploadStream sends this object with the final commit, after the stream ended, so the count
    // filled in while streaming is the one stored. (Pinned by a test: the SDK could start copying it.)
    const metadata: Record<string, string> = {
      tenantId: blob.tenantId,
      contentType: blob.contentType,
      contentId: encodeURIComponent(blob.contentId),
      eventCount: '0',
    };
    const body = Readable.from(serialize(events, counter, metadata), { objectMode: false });
    try {
      await this.container.getBlockBlobClient(path).uploadStream(body, BLOCK_BYTES, BLOCKS_IN_FLIGHT, {
        blobHTTPHeaders: { blobContentType: NDJSON_CONTENT_TYPE },
        metadata,
      });
    } catch (error) {
      body.destroy();
      // The events' own source failed (e.g. the content fetch): its error, with its API code, is the
      // caller's to classify, so it passes through unchanged.
      if (counter.sourceError !== undefined) throw counter.sourceError;
      if (error instanceof UnserializableEventError) {
        throw new SinkWriteError({
          sink: this.name,
          contentId: blob.contentId,
          reason: error.message,
          cause: error,
        });
      }
      const d = storageErrorDetails(error);
      throw new SinkWriteError({
        sink: this.name,
        contentId: blob.contentId,
        reason: d.message,
        cause: error,
        statusCode: d.statusCode,
        code: d.code,
      });
    }
    return {
      location: `${this.container.containerName}/${path}`,
      events: counter.events,
      bytes: counter.bytes,
    };
  }
}

interface SerializeState {
  events: number;
  bytes: number;
  sourceError?: unknown;
}

async function* serialize(
  events: AsyncIterable<object> | Iterable<object>,
  counter: SerializeState,
  metadata: Record<string, string>,
): AsyncGenerator<Buffer> {
  let pending: string[] = [];
  let pendingLength = 0;
  for await (const event of sourceOf(events, counter)) {
    const line = ndjsonLine(event, counter.events);
    counter.events++;
    pending.push(line);
    pendingLength += line.length;
    if (pendingLength >= CHUNK_BYTES) {
      const chunk = Buffer.from(pending.join(''), 'utf8');
      counter.bytes += chunk.length;
      pending = [];
      pendingLength = 0;
      yield chunk;
    }
  }
  if (pending.length > 0) {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    counter.bytes += chunk.length;
    yield chunk;
  }
  metadata.eventCount = String(counter.events);
}

/** Iterates the caller's events, noting any error they raise so it is not mistaken for a storage one. */
async function* sourceOf(
  events: AsyncIterable<object> | Iterable<object>,
  state: SerializeState,
): AsyncGenerator<object> {
  try {
    for await (const event of events) yield event;
  } catch (error) {
    state.sourceError = error;
    throw error;
  }
}
