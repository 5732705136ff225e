/**
 * How every failure of the Management Activity API is understood, in one table. Callers decide
 * policy (resubscribe, give up on a blob, alert) from the class alone, never from raw codes.
 */

export type ErrorClassification =
  /** Not an error at all (AF20024: start changed nothing). */
  | 'benign'
  /** The subscription is gone: start it again. */
  | 'resubscribe'
  /** An administrator disabled the subscription: starting it again will not help without them. */
  | 'disabledByAdmin'
  /** The content blob is older than 7 days and can never be fetched: data is lost. */
  | 'expired'
  /** The content does not exist or its id is invalid. */
  | 'notFound'
  /** The listing window was refused (often clock skew, or a stale page token). */
  | 'badWindow'
  /** Too many requests: wait and try again. */
  | 'throttled'
  /** A server or network hiccup: try again. */
  | 'transient'
  /** Our request or our permissions are wrong; repeating it will not help. */
  | 'fatal'
  /** The API answered with something we cannot understand (not JSON, wrong shape). */
  | 'invalidResponse'
  /** Entra refused or failed to issue a token. */
  | 'tokenFailure';

/** The AF codes we know. Codes not listed fall back to the HTTP status (see classifyApiFailure). */
export const AF_CODE_CLASSIFICATION: Readonly<Record<string, ErrorClassification>> = {
  // Microsoft staff call AF20024 "not an error"; it arrives as HTTP 400 all the same.
  AF20024: 'benign',
  AF20022: 'resubscribe',
  AF20023: 'disabledByAdmin',
  AF20051: 'expired',
  AF20050: 'notFound',
  AF20052: 'notFound',
  AF20030: 'badWindow',
  AF20055: 'badWindow',
  AF20031: 'badWindow',
  // AF429 has been seen with HTTP 403, which would otherwise read as "forbidden".
  AF429: 'throttled',
  AF50000: 'transient',
  // Not in Microsoft's table; a production client retries them as internal errors.
  AF50005: 'transient',
  AF50006: 'transient',
  AF10001: 'fatal',
  AF20001: 'fatal',
  AF20002: 'fatal',
  AF20003: 'fatal',
  AF20010: 'fatal',
  AF20011: 'fatal',
  AF20012: 'fatal',
  AF20013: 'fatal',
  AF20020: 'fatal',
  AF20021: 'fatal',
  AF20053: 'fatal',
  AF20054: 'fatal',
};

/** HTTP statuses that mean "try again" when the body carries no known code. */
const RETRYABLE_STATUS: Readonly<Record<number, ErrorClassification>> = {
  408: 'transient',
  429: 'throttled',
};

export function classifyApiFailure(failure: { statusCode?: number; code?: string }): ErrorClassification {
  const byCode = failure.code ? AF_CODE_CLASSIFICATION[failure.code.toUpperCase()] : undefined;
  if (byCode) return byCode;
  const status = failure.statusCode;
  if (status === undefined) return 'transient';
  const byStatus = RETRYABLE_STATUS[status];
  if (byStatus) return byStatus;
  if (status >= 500) return 'transient';
  return 'fatal';
}

/** The classes worth another try of the same request. */
export function isRetryable(classification: ErrorClassification): boolean {
  return classification === 'throttled' || classification === 'transient';
}

/**
 * Network failures Node's fetch reports (as the error or its cause). They say nothing about our
 * request, so they are worth another try.
 */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const NETWORK_ERROR_TEXT = /socket hang up|other side closed|terminated|fetch failed|network|ECONNRESET/i;

export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object') break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && NETWORK_ERROR_TEXT.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Entra's own "try again later" answers: AADSTS90033 (a transient error has occurred) and
 * AADSTS90055/AADSTS50196 (too many requests), or the OAuth `temporarily_unavailable` error.
 */
const TRANSIENT_ENTRA_ANSWER = /AADSTS(?:90033|90055|50196)\b|temporarily_unavailable/;
/** Reasons a client secret could not be read that pass by themselves (Key Vault busy or unreachable). */
const TRANSIENT_SECRET_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/**
 * True when getting a token failed for a reason that passes: Entra or Key Vault unreachable, timing
 * out, answering 5xx or throttling. A refused secret or a missing permission is not: asking again
 * cannot fix it.
 */
export function isTransientTokenFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; reason?: unknown; statusCode?: unknown; message?: unknown };
  if (e.name === 'SecretUnavailableError') {
    return (
      e.reason === 'unreachable' ||
      (typeof e.statusCode === 'number' && TRANSIENT_SECRET_STATUS.has(e.statusCode))
    );
  }
  const text = `${typeof e.message === 'string' ? e.message : ''} ${entraDescriptionOf(error)}`;
  if (TRANSIENT_ENTRA_ANSWER.test(text)) return true;
  if (/AADSTS\d+/.test(text)) return false;
  if (typeof e.statusCode === 'number')
    return e.statusCode >= 500 || e.statusCode === 429 || e.statusCode === 408;
  return isNetworkError(error);
}

function entraDescriptionOf(error: object): string {
  const response = (error as { errorResponse?: { error?: unknown; errorDescription?: unknown } })
    .errorResponse;
  return [response?.error, response?.errorDescription].filter((v) => typeof v === 'string').join(' ');
}
