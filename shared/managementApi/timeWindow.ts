/**
 * Listing windows. The API refuses a window whose start lies more than 7 days in the past *by its
 * own clock*, or that spans more than 24 hours; a host whose clock drifts sees AF20030/AF20055 for a
 * window that looked fine locally. Pure helpers for correcting that.
 */

export interface TimeWindow {
  startTime: Date;
  endTime: Date;
}

export const MAX_WINDOW_MS = 24 * 60 * 60_000;
export const RETENTION_MS = 7 * 24 * 60 * 60_000;
/** Skew below this is normal drift plus the Date header's one-second resolution. */
export const CLOCK_SKEW_THRESHOLD_MS = 60_000;
/** Kept between a corrected start and the 7-day limit, so the retry is not refused at the edge. */
const RETENTION_MARGIN_MS = 60_000;

/**
 * The window moved by the measured skew (server minus local), its start clamped to stay inside
 * the server's 7 days. Undefined when nothing of it is left to ask for.
 */
export function shiftWindowForSkew(
  window: TimeWindow,
  skewMs: number,
  serverNow: Date,
): TimeWindow | undefined {
  const earliest = serverNow.getTime() - RETENTION_MS + RETENTION_MARGIN_MS;
  const start = Math.max(window.startTime.getTime() + skewMs, earliest);
  const end = window.endTime.getTime() + skewMs;
  if (end <= start) return undefined;
  return { startTime: new Date(start), endTime: new Date(end) };
}

/** A window error explained: the window's own fault, or ours for holding it in a different clock. */
export function windowProblem(window: TimeWindow): string | undefined {
  const start = window.startTime.getTime();
  const end = window.endTime.getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) return 'startTime and endTime must be valid dates';
  if (end <= start) return 'startTime must be before endTime';
  if (end - start > MAX_WINDOW_MS) return 'the window must span at most 24 hours';
  return undefined;
}
