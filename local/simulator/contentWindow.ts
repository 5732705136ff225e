/**
 * The time-window rules of /subscriptions/content and /subscriptions/notifications, as a pure
 * function of the query and "now". The window is on contentCreated (when the blob became
 * available), not on event time, and is half-open: startTime <= contentCreated < endTime.
 */
import { apiErrors, type ApiError } from './apiErrors';

export interface ContentWindow {
  startMs: number;
  endMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// The docs say 7 days; Elastic observed the server accepting start times up to about 7 d + 1 h back.
const RETENTION_SLACK_MS = 60 * 60 * 1000;
const MAX_LOOKBACK_MS = 7 * DAY_MS + RETENTION_SLACK_MS;

// Documented: YYYY-MM-DD, YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS. Clients also send fractions and a Z.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?Z?$/;

/** Parses one documented datetime as UTC; undefined when the text is not one. */
export function parseApiDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = ''] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const value = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const back = new Date(value);
  // Reject dates like 2024-02-31 that Date.UTC would roll over.
  if (back.getUTCDate() !== Number(d) || back.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23) {
    return undefined;
  }
  return value;
}

export function resolveContentWindow(
  startTime: string | null,
  endTime: string | null,
  now: Date,
): { ok: true; window: ContentWindow } | { ok: false; error: ApiError } {
  const nowMs = now.getTime();
  if (startTime === null && endTime === null) {
    // The docs disagree on the default (last 24 h vs. since midnight UTC); we follow the reference page.
    return { ok: true, window: { startMs: nowMs - DAY_MS, endMs: nowMs } };
  }
  if (startTime === null || endTime === null) return { ok: false, error: apiErrors.badWindow() };
  const startMs = parseApiDateTime(startTime);
  if (startMs === undefined)
    return { ok: false, error: apiErrors.invalidParameterType('startTime', 'datetime') };
  const endMs = parseApiDateTime(endTime);
  if (endMs === undefined) return { ok: false, error: apiErrors.invalidParameterType('endTime', 'datetime') };
  if (startMs >= endMs) return { ok: false, error: apiErrors.startNotBeforeEnd() };
  if (endMs - startMs > DAY_MS) return { ok: false, error: apiErrors.badWindow() };
  // End times in the future are accepted (observed by Elastic); only the start is bounded.
  if (startMs < nowMs - MAX_LOOKBACK_MS) return { ok: false, error: apiErrors.badWindow() };
  return { ok: true, window: { startMs, endMs } };
}
