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
