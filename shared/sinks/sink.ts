/**
 * Where normalized events go. One write per content blob, idempotent: once a write of a blob has
 * finished, a later write of the same blob (a retry after a crash, a late duplicate) leaves it as it
 * is and reports it, while an unfinished write leaves nothing a retry would trip over. So a retried
 * queue message never duplicates events. Other destinations (Event Hubs, HTTP) implement the same
 * interface.
 */
import { serializedJsonOf } from '../rawJson';
import type { ContentType } from '../contentTypes';
import { sha256Hex } from '../state/tableKeys';

export interface ContentBlobRef {
  tenantId: string;
  contentType: ContentType;
  contentId: string;
}

/** The name a content blob's output files share in every sink: 32 hex digits of sha256(contentId). */
export function contentFileName(contentId: string): string {
  return sha256Hex(contentId).slice(0, 32);
}

/**
 * An id for an event that has no usable `event.id` (a pipeline_error for a record without Id), from
 * its blob and position: a retry of the same blob gives the same event the same id.
 */
export function positionalEventId(blob: ContentBlobRef, position: number): string {
  return sha256Hex(`${blob.tenantId}\n${blob.contentId}\n${position}`);
}

export interface SinkWriteResult {
  /** Where the events went, in the sink's own terms (e.g. `container/path` for blobs). */
  location: string;
  events: number;
  bytes: number;
  /** The blob had been written before; `events` and `bytes` describe that earlier write. */
  alreadyWritten?: boolean;
}

export interface EventSink {
  readonly name: string;
  write(blob: ContentBlobRef, events: AsyncIterable<object> | Iterable<object>): Promise<SinkWriteResult>;
}

/** A write that did not complete; whatever an earlier finished write of the same blob left stays in place. */
export class SinkWriteError extends Error {
  readonly sink: string;
  readonly contentId: string;
  readonly statusCode?: number;
  readonly code?: string;

  constructor(args: {
    sink: string;
    contentId: string;
    reason: string;
    cause?: unknown;
    statusCode?: number;
    code?: string;
  }) {
    super(`${args.sink} sink could not write content ${args.contentId}: ${args.reason}`, {
      cause: args.cause,
    });
    this.name = 'SinkWriteError';
    this.sink = args.sink;
    this.contentId = args.contentId;
    this.statusCode = args.statusCode;
    this.code = args.code;
  }
}

/** Thrown while serializing when an event cannot be written as one JSON line. */
export class UnserializableEventError extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`event #${index} cannot be serialized as JSON: ${reason}`);
    this.name = 'UnserializableEventError';
  }
}

/**
 * One event as one NDJSON line (JSON.stringify escapes newlines inside strings). An event that
 * already carries its JSON text (SERIALIZED_JSON) is written as that text.
 */
export function ndjsonLine(event: object, index: number): string {
  let text: string | undefined = serializedJsonOf(event);
  if (text !== undefined) return `${text}\n`;
  try {
    text = JSON.stringify(event);
  } catch (error) {
    throw new UnserializableEventError(index, (error as Error).message);
  }
  if (text === undefined) throw new UnserializableEventError(index, 'JSON.stringify returned nothing');
  return `${text}\n`;
}
