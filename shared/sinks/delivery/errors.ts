/**
 * Typed failures of the sink framework. They carry `classification` and `retryAfterMs` the way
 * ManagementApiError does, so fetchContent's existing policy (defer throttled/transient, let the queue
 * retry the rest) applies to sinks unchanged.
 */

/** How a request that failed as a whole is handled. */
export type SinkRequestClassification =
  /** Retry later, honouring Retry-After (429, HEC code 9 server busy). */
  | 'throttled'
  /** Retry later (5xx, network errors, timeouts). */
  | 'transient'
  /** The credential was refused or lacks a privilege: no retry helps until someone fixes it. */
  | 'auth'
  /** The sink's settings do not fit the destination (unknown index, acknowledgement mismatch). */
  | 'configuration'
  /** The request body was over the destination's limit (413). */
  | 'tooLarge';

export interface SinkErrorDetails {
  statusCode?: number;
  /** The destination's own code (Elasticsearch error type, HEC code). */
  code?: string;
  /** How long the destination asked us to wait (Retry-After). */
  retryAfterMs?: number;
  cause?: unknown;
}

abstract class SinkError<C extends string> extends Error {
  readonly statusCode?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;

  constructor(
    readonly sink: string,
    readonly classification: C,
    message: string,
    details: SinkErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Thrown by a BatchSinkService when a request failed as a whole. */
export class SinkRequestError extends SinkError<SinkRequestClassification> {
  override readonly name = 'SinkRequestError';
}

/**
 * Throttling or transient failures outlasted one invocation's retry budget: the caller puts the
 * blob off for this sink (a delayed requeue), waiting at least `retryAfterMs` when the sink said so.
 */
export class SinkDeferredError extends SinkError<'throttled' | 'transient'> {
  override readonly name = 'SinkDeferredError';
}

/** The sink cannot take the blob until its credential or settings are fixed. */
export class SinkFailedError extends SinkError<'auth' | 'configuration'> {
  override readonly name = 'SinkFailedError';
}

/**
 * A sink's credential read through the secret provider, its failure as a request error: an
 * unreachable vault is transient, a missing or forbidden secret needs the user.
 */
export async function readSinkSecret(sink: string, secret: { read(): Promise<string> }): Promise<string> {
  try {
    return await secret.read();
  } catch (error) {
    const unreachable = (error as { reason?: unknown }).reason === 'unreachable';
    throw new SinkRequestError(sink, unreachable ? 'transient' : 'configuration', (error as Error).message, {
      cause: error,
    });
  }
}
