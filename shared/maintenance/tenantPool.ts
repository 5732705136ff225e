/**
 * Runs one piece of work per tenant, a bounded number at a time, so a maintenance run over hundreds
 * of tenants takes about (tenants / concurrency) × one tenant's time instead of their sum, while one
 * instance keeps a bounded number of calls in flight. Each tenant gets a deadline: its signal aborts
 * then (its API calls stop, the rest of its work is skipped) and, after a short grace to record what
 * happened, the pool stops waiting for it. A slow or hanging tenant therefore holds one slot for at
 * most its deadline, never the run. Tenants not started before `startBefore` are returned as such, so
 * the run ends inside its budget and the caller can put them first next time.
 */
import { setMaxListeners } from 'node:events';
import { untilAborted } from '../managementApi/accessTokenCache';

export class TenantDeadlineError extends Error {
  override readonly name = 'TenantDeadlineError';
  constructor(readonly timeoutMs: number) {
    super(
      `tenant maintenance passed its ${formatDuration(timeoutMs)} deadline (MAINTENANCE_TENANT_TIMEOUT_MS); ` +
        'what is left waits for the next run',
    );
  }
}

export interface TenantPoolOptions {
  /** Most tenants worked on at once (at least 1). */
  concurrency: number;
  /** Per-tenant deadline in milliseconds; none when absent. */
  tenantTimeoutMs?: number;
  /** After the deadline, how long a tenant may take to record its outcome (default a quarter of it, ≤ 15 s). */
  graceMs?: number;
  /** No tenant is started after this instant (epoch milliseconds of `clock`). */
  startBefore?: number;
  clock?: () => number;
}

export type TenantPoolOutcome<R> =
  | { status: 'done'; value: R }
  /** The work threw (it should report its failures rather than throw; this is the safety net). */
  | { status: 'failed'; error: unknown }
  /** It did not finish within deadline + grace; the pool stopped waiting for it. */
  | { status: 'abandoned'; reason: string }
  /** The run's budget did not allow starting it. */
  | { status: 'notStarted' };

export const MAX_GRACE_MS = 15_000;

export function graceFor(tenantTimeoutMs: number): number {
  return Math.min(MAX_GRACE_MS, Math.ceil(tenantTimeoutMs / 4));
}

/** Outcomes in the order of `items`. */
export async function runPerTenant<T, R>(
  items: readonly T[],
  work: (item: T, signal: AbortSignal) => Promise<R>,
  options: TenantPoolOptions,
): Promise<TenantPoolOutcome<R>[]> {
  const clock = options.clock ?? Date.now;
  const outcomes: TenantPoolOutcome<R>[] = items.map(() => ({ status: 'notStarted' }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (options.startBefore !== undefined && clock() >= options.startBefore) return;
      const index = next++;
      outcomes[index] = await runOne(items[index], work, options);
    }
  };
  const slots = Math.max(1, Math.min(Math.floor(options.concurrency), items.length));
  await Promise.all(Array.from({ length: slots }, worker));
  return outcomes;
}

async function runOne<T, R>(
  item: T,
  work: (item: T, signal: AbortSignal) => Promise<R>,
  options: TenantPoolOptions,
): Promise<TenantPoolOutcome<R>> {
  const soft = new AbortController();
  // One signal serves every call of the tenant, each listening while in flight: not a leak.
  setMaxListeners(0, soft.signal);
  const hard = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  const timeoutMs = options.tenantTimeoutMs;
  if (timeoutMs !== undefined) {
    const deadline = new TenantDeadlineError(timeoutMs);
    const grace = options.graceMs ?? graceFor(timeoutMs);
    timers.push(setTimeout(() => soft.abort(deadline), timeoutMs));
    timers.push(setTimeout(() => hard.abort(deadline), timeoutMs + grace));
  }
  const running = Promise.resolve().then(() => work(item, soft.signal));
  // Left behind after the hard limit, it may still settle; that must not be an unhandled rejection.
  running.catch(() => undefined);
  try {
    return { status: 'done', value: await untilAborted(running, hard.signal) };
  } catch (error) {
    if (hard.signal.aborted && error === hard.signal.reason) {
      return { status: 'abandoned', reason: (error as Error).message };
    }
    return { status: 'failed', error };
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

/**
 * The tenants in the order a run takes them: sorted by id, starting at `startAt` (the first id at or
 * after it), wrapping around. Ids rather than positions, so added and removed tenants keep the turn.
 */
export function rotateFrom<T extends { tenantId: string }>(tenants: readonly T[], startAt?: string): T[] {
  const sorted = [...tenants].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  if (startAt === undefined) return sorted;
  const at = sorted.findIndex((t) => t.tenantId.localeCompare(startAt) >= 0);
  return at <= 0 ? sorted : [...sorted.slice(at), ...sorted.slice(0, at)];
}

/**
 * Where the next run starts: at the first tenant this run could not start (it goes first next
 * time), or else one further than this run started, so the head of the order rotates.
 */
export function nextStartAt(ordered: readonly { tenantId: string }[], started: number): string | undefined {
  if (ordered.length === 0) return undefined;
  const index = started < ordered.length ? started : 1 % ordered.length;
  return ordered[index].tenantId;
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
