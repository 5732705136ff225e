/**
 * Timer-triggered (MAINTENANCE_SCHEDULE, every 15 minutes by default, not on start-up): keeps the
 * subscriptions alive, backfills what push missed, and checks the client secret's expiry. The work
 * itself is runMaintenance, which the operator CLI runs too.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { loggerFromContext } from '../shared/log';
import { MaintenanceServices, runMaintenance } from '../shared/maintenance/runMaintenance';
import type { TimerFunctionDefinition } from './definition';

export function defineMaintenance(
  services: MaintenanceServices,
  options: { now?: () => Date } = {},
): TimerFunctionDefinition {
  async function handler(timer: Timer, context: InvocationContext): Promise<void> {
    const log = loggerFromContext(context);
    if (timer?.isPastDue) log.warn('maintenance timer is past due; running now');
    // Per-item failures are reported, not thrown: a throw would only make the host log it again.
    const report = await runMaintenance(services, log, { now: options.now?.() });
    if (report.failures > 0) log.warn('maintenance finished with failures', { failures: report.failures });
  }
  return { kind: 'timer', name: 'maintenance', schedule: services.config.maintenance.schedule, handler };
}
