/**
 * Timer-triggered (MAINTENANCE_SCHEDULE, every 15 minutes by default, not on start-up): keeps the
 * subscriptions alive, backfills what push missed, and checks every tenant's credential expiry. The
 * work itself is runMaintenance, which the operator CLI runs too; the timer adds what only a timer
 * needs: a deadline per tenant and a budget for the run, so it ends inside its functionTimeout.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { loggerFromContext } from '../shared/log';
import { MaintenanceServices, runMaintenance } from '../shared/maintenance/runMaintenance';
import { FUNCTION_TIMEOUT_SECONDS } from './catalog';
import type { TimerFunctionDefinition } from './definition';

/**
 * host.json functionTimeout. A timed-out invocation is cut off by the host with whatever it was
 * doing, so the run plans to end inside it rather than rely on it.
 */
export const MAINTENANCE_TIMER_BUDGET_MS = FUNCTION_TIMEOUT_SECONDS * 1000;

export function defineMaintenance(
  services: MaintenanceServices,
  options: { now?: () => Date; budgetMs?: number } = {},
): TimerFunctionDefinition {
  async function handler(timer: Timer, context: InvocationContext): Promise<void> {
    const log = loggerFromContext(context);
    if (timer?.isPastDue) log.warn('maintenance timer is past due; running now');
    // Per-item failures are reported, not thrown: a throw would only make the host log it again.
    const report = await runMaintenance(services, log, {
      now: options.now?.(),
      tenantTimeoutMs: services.config.maintenance.tenantTimeoutMs,
      budgetMs: options.budgetMs ?? MAINTENANCE_TIMER_BUDGET_MS,
    });
    if (report.failures > 0) log.warn('maintenance finished with failures', { failures: report.failures });
  }
  return { kind: 'timer', name: 'maintenance', schedule: services.config.maintenance.schedule, handler };
}
