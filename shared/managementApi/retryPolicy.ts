/**
 * When to try again and how long to wait. Microsoft documents no Retry-After on AF429, so the
 * default is exponential backoff with full jitter; a Retry-After the server does send is honoured,
 * within a cap so one odd header cannot park a function for an hour.
 */

export interface RetryDelay {
  /** First backoff ceiling, doubled on each further try. */
  baseMs: number;
  /** Largest backoff ceiling. */
  maxMs: number;
}

export const DEFAULT_RETRY_DELAY: RetryDelay = { baseMs: 1000, maxMs: 30_000 };
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** min(maxMs, baseMs * 2^(attempt-1)); `attempt` counts from 1. */
function backoffCeiling(attempt: number, delay: RetryDelay): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(delay.maxMs, delay.baseMs * 2 ** exponent);
}

/** Full jitter: uniform in [0, min(maxMs, baseMs * 2^(attempt-1))]. `attempt` counts from 1. */
export function backoffDelayMs(
  attempt: number,
  delay: RetryDelay,
  random: () => number = Math.random,
): number {
  return Math.floor(clamp01(random()) * backoffCeiling(attempt, delay));
}

/**
 * Half fixed, half jitter: uniform in [ceiling / 2, ceiling], the ceiling as in backoffDelayMs. For
 * waits that spread a burst out but must not come back much sooner than planned (a blob put off, a
 * sink's retry), where full jitter could answer almost at once.
 */
export function halfJitterBackoffMs(
  attempt: number,
  delay: RetryDelay,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, delay);
  return Math.round(ceiling / 2 + clamp01(random()) * (ceiling / 2));
}

/**
 * Reads a Retry-After value: delta-seconds ("120") or an HTTP date. Returns milliseconds, or
 * undefined when absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only the HTTP-date forms (they all name a weekday or month); Date.parse alone accepts "1".
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** The wait before the next try: the server's Retry-After (capped) if it gave one, else backoff. */
export function retryWaitMs(
  attempt: number,
  retryAfterMs: number | undefined,
  options: { delay: RetryDelay; maxRetryAfterMs: number; random?: () => number },
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxRetryAfterMs);
  return backoffDelayMs(attempt, options.delay, options.random);
}

function clamp01(value: number): number {
  if (!(value >= 0)) return 0;
  return value >= 1 ? 0.999999 : value;
}
