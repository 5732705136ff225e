/**
 * Answer latency per tenant (SimulatorOptions.latency): what a request waits before it is served,
 * or that it is never served (a hanging tenant). Jitter comes from a seeded source, so two runs of a
 * benchmark wait the same in total.
 */
import type { LatencyOptions, ListenerName } from './model';
import { SeededRandom } from './seededRandom';

/** Milliseconds to wait, or `hang`. */
export type LatencyVerdict = number | 'hang';

export interface LatencyPlan {
  delayFor(listener: ListenerName, tenantId: string | undefined): LatencyVerdict;
}

export function checkLatencyOptions(latency: LatencyOptions | undefined): void {
  if (!latency) return;
  const ms = (value: number | undefined, what: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new Error(`latency ${what} must be a non-negative number of milliseconds`);
    }
  };
  ms(latency.baseMs, 'baseMs');
  ms(latency.jitterMs, 'jitterMs');
  for (const [tenantId, value] of Object.entries(latency.tenants ?? {})) {
    if (value !== 'hang') ms(value, `of tenant ${tenantId}`);
  }
}

export function latencyPlan(latency: LatencyOptions | undefined): LatencyPlan {
  if (!latency) return { delayFor: () => 0 };
  const random = new SeededRandom(latency.seed ?? 1);
  const perTenant = new Map(
    Object.entries(latency.tenants ?? {}).map(([id, value]) => [id.toLowerCase(), value] as const),
  );
  const base = latency.baseMs ?? 0;
  const jitter = latency.jitterMs ?? 0;
  return {
    delayFor(listener, tenantId) {
      if (listener === 'graph') return 0;
      const own = tenantId === undefined ? undefined : perTenant.get(tenantId.toLowerCase());
      if (own === 'hang' && listener === 'api') return 'hang';
      const ms = typeof own === 'number' ? own : base;
      return ms + (jitter > 0 ? random.float() * jitter : 0);
    },
  };
}
