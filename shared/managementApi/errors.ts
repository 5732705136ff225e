/**
 * Typed failures of the Management Activity API client. Each keeps what the API said (HTTP status,
 * AF code, message) and what it means for us (classification), so callers branch on data.
 */
import { aadstsCodeOf } from '../entraErrors';
import { ErrorClassification } from './errorClassification';

export type ManagementOperation =
  | 'startSubscription'
  | 'stopSubscription'
  | 'listSubscriptions'
  | 'listContent'
  | 'listNotifications'
  | 'fetchContent'
  | 'streamContent'
  | 'listDlpSensitiveTypes'
  | 'token';

export interface ManagementApiErrorDetails {
  operation: ManagementOperation;
  classification: ErrorClassification;
  statusCode?: number;
  /** The service's code, e.g. "AF20051". */
  code?: string;
  /** How long the server asked us to wait (Retry-After), when it said so. */
  retryAfterMs?: number;
  /** The server's clock, from the Date header of the failed answer. */
  serverDate?: Date;
  /** Server clock minus local clock, measured on the failed answer. */
  clockSkewMs?: number;
  /**
   * Local time the failed answer arrived. Microsoft does not document a Date header on its errors;
   * without one this is the only clock reading the answer comes with.
   */
  receivedAt?: Date;
  /** How many times the request was sent before giving up. */
  attempts?: number;
  cause?: unknown;
}

export class ManagementApiError extends Error {
  readonly operation: ManagementOperation;
  readonly classification: ErrorClassification;
  readonly statusCode?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;
  readonly serverDate?: Date;
  readonly clockSkewMs?: number;
  readonly receivedAt?: Date;
  readonly attempts?: number;

  constructor(message: string, details: ManagementApiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ManagementApiError';
    this.operation = details.operation;
    this.classification = details.classification;
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
    this.serverDate = details.serverDate;
    this.clockSkewMs = details.clockSkewMs;
    this.receivedAt = details.receivedAt;
    this.attempts = details.attempts;
  }

  /** A copy carrying more facts (attempt count, skew), for wrapping at the edge of a retry loop. */
  withDetails(extra: Partial<ManagementApiErrorDetails>): ManagementApiError {
    return new ManagementApiError(this.message, { ...this.details(), ...extra });
  }

  protected details(): ManagementApiErrorDetails {
    return {
      operation: this.operation,
      classification: this.classification,
      statusCode: this.statusCode,
      code: this.code,
      retryAfterMs: this.retryAfterMs,
      serverDate: this.serverDate,
      clockSkewMs: this.clockSkewMs,
      receivedAt: this.receivedAt,
      attempts: this.attempts,
      cause: this.cause,
    };
  }
}

/**
 * Entra refused or failed to issue a token. `aadstsCode` tells a wrong secret (AADSTS7000215) from
 * an expired one (AADSTS7000222); `transient` is true only for network-level failures, since a
 * refused secret will not fix itself by asking again.
 */
export class TokenAcquisitionError extends ManagementApiError {
  readonly aadstsCode?: string;
  readonly transient: boolean;

  constructor(
    message: string,
    details: {
      aadstsCode?: string;
      transient: boolean;
      statusCode?: number;
      cause?: unknown;
      attempts?: number;
    },
  ) {
    super(message, {
      operation: 'token',
      classification: 'tokenFailure',
      statusCode: details.statusCode,
      code: details.aadstsCode,
      attempts: details.attempts,
      cause: details.cause,
    });
    this.name = 'TokenAcquisitionError';
    this.aadstsCode = details.aadstsCode;
    this.transient = details.transient;
  }

  override withDetails(extra: Partial<ManagementApiErrorDetails>): ManagementApiError {
    return new TokenAcquisitionError(this.message, {
      aadstsCode: this.aadstsCode,
      transient: this.transient,
      statusCode: this.statusCode,
      cause: this.cause,
      attempts: extra.attempts ?? this.attempts,
    });
  }
}

/** Builds a TokenAcquisitionError from whatever the credential threw, without its secret-bearing details. */
export function tokenAcquisitionErrorFrom(error: unknown, transient: boolean): TokenAcquisitionError {
  const aadstsCode = aadstsCodeOf(error);
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  const name = error instanceof Error ? error.name : 'Error';
  const reason = aadstsCode
    ? `Entra refused the token request (${aadstsCode})`
    : `the token request failed (${name}${transient ? ', network' : ''})`;
  return new TokenAcquisitionError(`Could not get an access token: ${reason}`, {
    aadstsCode,
    transient,
    statusCode: typeof statusCode === 'number' ? statusCode : undefined,
    cause: error,
  });
}

export type ContentUriRejection =
  | 'notAString'
  | 'tooLong'
  | 'notAUrl'
  | 'notHttps'
  | 'hasUserinfo'
  | 'wrongOrigin'
  | 'pathTrick'
  | 'wrongPath'
  | 'wrongTenant'
  | 'hasFragment'
  | 'hasQuery';

/**
 * A listing stopped because following its next-page links would not end: a link came back that was
 * already followed (the server loops), or the page cap was reached. What was listed until then has
 * been yielded; the window is incomplete, so a caller must not record it as done.
 */
export class PagingStoppedError extends ManagementApiError {
  readonly reason: 'pageLinkRepeated' | 'tooManyPages';
  /** Pages read before the listing stopped. */
  readonly pages: number;

  constructor(
    operation: ManagementOperation,
    reason: 'pageLinkRepeated' | 'tooManyPages',
    pages: number,
    detail: string,
  ) {
    super(`${operation} stopped after ${pages} page(s) (${reason}): ${detail}`, {
      operation,
      classification: 'invalidResponse',
    });
    this.name = 'PagingStoppedError';
    this.reason = reason;
    this.pages = pages;
  }
}

/** A contentUri we refuse to send a token to. Raised before the credential is ever asked. */
export class ContentUriRejectedError extends Error {
  readonly reason: ContentUriRejection;
  readonly contentUri: string;

  constructor(reason: ContentUriRejection, detail: string, contentUri: string) {
    super(`contentUri rejected (${reason}): ${detail}`);
    this.name = 'ContentUriRejectedError';
    this.reason = reason;
    this.contentUri = contentUri;
  }
}
