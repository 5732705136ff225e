/**
 * Which listing windows a backfill asks for, as a pure function of the checkpoint and "now".
 * /subscriptions/content filters on contentCreated with startTime <= created < endTime, and the API
 * drops milliseconds, so windows are whole seconds that share their boundaries: contiguous windows
 * list every blob exactly once, and the ledger absorbs any re-listing.
 */
import type { TimeWindow } from '../managementApi';

export const HOUR_MS = 60 * 60_000;
export const MAX_WINDOW_HOURS = 24;
/**
 * How far back a window may start: the API keeps 7 days, and a start near the edge is refused by a
 * server whose clock runs a little ahead, while blobs that old expire before they can be fetched.
 */
export const RETENTION_LIMIT_MS = 7 * 24 * HOUR_MS - HOUR_MS;

export interface BackfillPlanInput {
  /** End of the last window whose blobs were all enqueued; absent on the first run. */
  checkpoint?: Date;
  now: Date;
  /** First run only: how far back to start. */
  lookbackHours: number;
  maxWindowHours?: number;
  retentionLimitMs?: number;
  /** How far before the checkpoint to list again (blobs that showed up late in the listing). */
  relistOverlapMs?: number;
}

export interface BackfillPlan {
  windows: TimeWindow[];
  /** Content created here can no longer be listed: the checkpoint fell behind the API's retention. */
  lost?: TimeWindow;
}

const floorToSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;
const ceilToSecond = (ms: number): number => Math.ceil(ms / 1000) * 1000;

export function planBackfillWindows(input: BackfillPlanInput): BackfillPlan {
  const end = floorToSecond(input.now.getTime());
  const maxWindowMs = Math.max(1, input.maxWindowHours ?? MAX_WINDOW_HOURS) * HOUR_MS;
  const earliest = ceilToSecond(end - (input.retentionLimitMs ?? RETENTION_LIMIT_MS));
  const fromCheckpoint = input.checkpoint !== undefined && !Number.isNaN(input.checkpoint.getTime());
  let start = fromCheckpoint
    ? floorToSecond(input.checkpoint!.getTime())
    : floorToSecond(end - input.lookbackHours * HOUR_MS);

  let lost: TimeWindow | undefined;
  if (start < earliest) {
    // A first run that asks for more than the API keeps is clamped, not a loss: nothing was promised.
    if (fromCheckpoint) lost = { startTime: new Date(start), endTime: new Date(earliest) };
    start = earliest;
  } else if (fromCheckpoint && input.relistOverlapMs) {
    // Re-listing a little before the checkpoint costs a few ledger reads; it catches a blob whose
    // contentCreated lies before the checkpoint but which was not yet listed when we passed it.
    start = Math.max(earliest, floorToSecond(start - input.relistOverlapMs));
  }
  const windows: TimeWindow[] = [];
  for (let s = start; s < end; s += maxWindowMs) {
    windows.push({ startTime: new Date(s), endTime: new Date(Math.min(s + maxWindowMs, end)) });
  }
  return lost ? { windows, lost } : { windows };
}

/** Minutes between the checkpoint and now; undefined without a checkpoint. */
export function checkpointLagMinutes(checkpoint: Date | undefined, now: Date): number | undefined {
  if (!checkpoint || Number.isNaN(checkpoint.getTime())) return undefined;
  return Math.max(0, Math.round((now.getTime() - checkpoint.getTime()) / 60_000));
}

/**
 * `24h`, `3d`, `90m` or an ISO date, relative to now. Returns the start time or a one-line reason.
 */
export function parseSince(text: string, now: Date): Date | string {
  const m = /^(\d+)\s*([mhd])$/i.exec(text.trim());
  if (m) {
    const n = Number(m[1]);
    if (n <= 0) return `--since must be more than zero, got "${text}"`;
    const unit = { m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS }[m[2].toLowerCase() as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - n * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const ms = Date.parse(text.trim());
    if (!Number.isNaN(ms)) {
      if (ms >= now.getTime()) return `--since ${text} is not in the past`;
      return new Date(ms);
    }
  }
  return `--since must look like 24h, 3d, 90m or an ISO date, got "${text}"`;
}
