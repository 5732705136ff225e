/**
 * Failures of Blob, Queue and Table calls as one typed value that keeps what the service said
 * (HTTP status and its error code, e.g. `QueueNotFound`, `UpdateConditionNotSatisfied`), so callers
 * can decide on data instead of matching message text.
 */
export class StorageOperationError extends Error {
  readonly operation: string;
  readonly statusCode?: number;
  readonly code?: string;

  constructor(operation: string, cause: unknown) {
    const details = storageErrorDetails(cause);
    super(`${operation} failed: ${details.message}`, { cause });
    this.name = 'StorageOperationError';
    this.operation = operation;
    this.statusCode = details.statusCode;
    this.code = details.code;
  }
}

export interface StorageErrorDetails {
  statusCode?: number;
  code?: string;
  message: string;
}

/** Reads status and code from an SDK RestError (or anything shaped like one) without trusting its type. */
export function storageErrorDetails(error: unknown): StorageErrorDetails {
  if (error instanceof StorageOperationError) {
    return { statusCode: error.statusCode, code: error.code, message: error.message };
  }
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' && e.message !== '' ? firstLine(e.message) : String(error);
  const prefix = [statusCode, code].filter((v) => v !== undefined).join(' ');
  return { statusCode, code, message: prefix ? `${prefix}: ${message}` : message };
}

export function isNotFound(error: unknown): boolean {
  return storageErrorDetails(error).statusCode === 404;
}

/** 409 (entity exists on insert) or 412 (ETag no longer matches): someone else wrote first. */
export function isWriteConflict(error: unknown): boolean {
  const status = storageErrorDetails(error).statusCode;
  return status === 409 || status === 412;
}

// Table Storage errors carry the whole XML/JSON body in the message; the first line says enough.
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * Statuses with which Azure Storage says "not now": 429/503 ServerBusy throttling, 500
 * OperationTimedOut/InternalError, gateway failures, and request timeouts. Worth trying again later.
 */
const TRANSIENT_STORAGE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Socket-level failures the storage SDKs report as a RestError without a status. */
const TRANSIENT_STORAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'REQUEST_SEND_ERROR',
]);

/**
 * True when a Blob, Queue or Table call failed for a reason that passes: throttling, a busy or
 * failing server, or the service being unreachable. Looks through wrappers (SinkWriteError,
 * StorageOperationError) by their `cause`, and only at errors that come from storage: an API error
 * with a 503 is the API's, classified elsewhere.
 */
export function isTransientStorageFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { name, statusCode, code } = e as { name?: unknown; statusCode?: unknown; code?: unknown };
    if (STORAGE_ERROR_NAMES.has(String(name))) {
      if (typeof statusCode === 'number') {
        if (TRANSIENT_STORAGE_STATUS.has(statusCode)) return true;
      } else if (typeof code === 'string' && TRANSIENT_STORAGE_CODES.has(code)) {
        return true;
      }
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Errors raised by the storage SDKs (RestError) and this project's storage wrappers. */
const STORAGE_ERROR_NAMES = new Set([
  'RestError',
  'StorageOperationError',
  'SinkWriteError',
  'QueueWriteError',
]);
