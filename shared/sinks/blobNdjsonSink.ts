/**
 * The default sink: one NDJSON blob per content blob, at a path derived only from the contentId, and
 * committed only if no blob is there yet (If-None-Match: *). A retry after a finished write finds the
 * blob and keeps it; a write that died before its commit left only uncommitted blocks, which the
 * retry's commit replaces. Nothing can replace a finished blob, so no event is written twice.
 *
 * Memory stays bounded for large content: events are serialized lazily into a Readable that
 * `uploadStream` consumes in fixed-size blocks; nothing holds the whole blob.
 */
import { BlobServiceClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { Readable } from 'node:stream';
import { storageErrorDetails } from '../storage/storageError';
import {
  contentFileName,
  ContentBlobRef,
  EventSink,
  ndjsonLine,
  SinkWriteError,
  SinkWriteResult,
  UnserializableEventError,
} from './sink';
import { containerCreator } from '../storage/containerCreator';

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
/** Block size and number of blocks in flight: at most ~16 MiB buffered per write. */
const BLOCK_BYTES = 4 * 1024 * 1024;
const BLOCKS_IN_FLIGHT = 4;
/** Lines are grouped into chunks of about this size before they enter the stream. */
const CHUNK_BYTES = 64 * 1024;

/**
 * `<tenantId>/<contentType>/yyyy/MM/dd/HH/<sha256(contentId), 32 hex>.ndjson`, the hour read from the
 * contentId itself (see contentIdTime), else `<tenantId>/<contentType>/undated/<hash>.ndjson`. Only the
 * contentId decides: a webhook notification may lack contentCreated while a backfill listing of the
 * same blob has it, and both must land on the same path or every event is written twice.
 */
export function sinkPathFor(blob: ContentBlobRef): string {
  const hash = contentFileName(blob.contentId);
  const prefix = `${encodeURIComponent(blob.tenantId)}/${encodeURIComponent(blob.contentType)}`;
  const created = contentIdTime(blob.contentId);
  if (created === undefined) return `${prefix}/undated/${hash}.ndjson`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = [
    String(created.getUTCFullYear()),
    pad(created.getUTCMonth() + 1),
    pad(created.getUTCDate()),
    pad(created.getUTCHours()),
  ].join('/');
  return `${prefix}/${date}/${hash}.ndjson`;
}

/**
 * The time a contentId carries, UTC. Microsoft calls the id opaque, but the ids seen in the wild
 * start with `yyyyMMddHHmmssfff…` digit runs (`20171014180051748005825$20171014180051748005825$
 * audit_sharepoint$Audit_SharePoint$na0036`; when the two differ the later one matches
 * contentCreated), and the reference's sample ends a part with the hour (`…spo2015043022$`). The
 * latest of the digit-run times wins, else the hour; undefined when the id has neither, so an id in
 * some other shape still gets one stable path.
 */
export function contentIdTime(contentId: string): Date | undefined {
  let latest: Date | undefined;
  let hourOnly: Date | undefined;
  for (const part of contentId.split('$')) {
    const run = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\d*$/.exec(part);
    if (run) {
      const t = utcTime(run.slice(1).map(Number));
      if (t && (!latest || t > latest)) latest = t;
      continue;
    }
    const hour = /[A-Za-z_](\d{4})(\d{2})(\d{2})(\d{2})$/.exec(part);
    if (hour && !hourOnly) hourOnly = utcTime([...hour.slice(1).map(Number), 0, 0]);
  }
  return latest ?? hourOnly;
}

/** [year, month, day, hour, minute, second] as a UTC time, if it is a real one in a plausible range. */
function utcTime([y, mo, d, h, mi, s]: number[]): Date | undefined {
  if (y < 2000 || y > 2199 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date would roll a day that the month does not have (2024-02-31) into the next month.
  return t.getUTCDate() === d ? t : undefined;
}

export class BlobNdjsonSink implements EventSink {
  readonly name = 'blob-ndjson';
  private readonly container: ContainerClient;
  readonly ensureExists: () => Promise<void>;

  constructor(blobService: BlobServiceClient, containerName: string) {
    this.container = blobService.getContainerClient(containerName);
    this.ensureExists = containerCreator(this.container);
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
    const client = this.container.getBlockBlobClient(path);
    try {
      await client.uploadStream(body, BLOCK_BYTES, BLOCKS_IN_FLIGHT, {
        blobHTTPHeaders: { blobContentType: NDJSON_CONTENT_TYPE },
        metadata,
        conditions: { ifNoneMatch: '*' },
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
      // BlobAlreadyExists: an earlier write finished. InvalidBlockList: a writer racing this one
      // committed first, dropping our staged blocks. Either way the finished blob is the answer.
      const earlier = isLostCommitRace(error) ? await this.finishedWrite(client) : undefined;
      if (earlier) return { location: `${this.container.containerName}/${path}`, ...earlier };
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

  /**
   * What a finished earlier write left, or undefined when no committed blob can be read (then the
   * write's own error stands, and the queue retries it).
   */
  private async finishedWrite(
    client: BlockBlobClient,
  ): Promise<{ events: number; bytes: number; alreadyWritten: true } | undefined> {
    try {
      const props = await client.getProperties();
      // Metadata names are case-insensitive; Azurite answers in lower case, Azure as written.
      const count = Object.entries(props.metadata ?? {}).find(([k]) => k.toLowerCase() === 'eventcount')?.[1];
      return { events: Number(count ?? 0), bytes: props.contentLength ?? 0, alreadyWritten: true };
    } catch {
      return undefined;
    }
  }
}

function isLostCommitRace(error: unknown): boolean {
  const { statusCode, code } = storageErrorDetails(error);
  return (statusCode === 409 && code === 'BlobAlreadyExists') || code === 'InvalidBlockList';
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
