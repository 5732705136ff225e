/**
 * Alerts that come in time from the maintenance timer: steps that keep failing, a checkpoint that
 * falls behind, messages in the poison queue whatever put them there. Against the simulated tenant
 * and Azurite; the pure decisions are in maintenanceAlerts.test.ts.
 */
import { runMaintenance } from '../../shared/maintenance/runMaintenance';
import { TENANT, TestServices, useWorld } from './world';

jest.setTimeout(60_000);

const { withWorld } = useWorld();

const MINUTE = 60_000;
const later = (minutes: number) => new Date(Date.now() + minutes * MINUTE);
const alertsOf = (services: TestServices, kind: string) => services.alerts().filter((a) => a.kind === kind);

describe('maintenance steps that keep failing', () => {
  it('alerts a backfill that failed on 3 consecutive runs once, and notes when it works again', () =>
    withWorld(async (sim, services) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      sim.faults.add({ operation: 'content', kind: 'http-500', times: 1000 });
      const backfillRun = (minutes: number) =>
        runMaintenance(services, services.log, {
          tasks: ['backfill'],
          contentTypes: ['Audit.Exchange'],
          now: later(minutes),
        });
      await backfillRun(0);
      await backfillRun(15);
      expect(alertsOf(services, 'maintenanceFailing')).toHaveLength(0);
      await backfillRun(30);
      const failing = alertsOf(services, 'maintenanceFailing');
      expect(failing).toHaveLength(1);
      expect(failing[0]).toMatchObject({
        tenantId: TENANT,
        severity: 'error',
        details: { contentType: 'Audit.Exchange', step: 'backfill', failedRuns: 3 },
      });
      expect(failing[0].details!.lastError).toEqual(expect.stringContaining('HTTP 500'));
      await backfillRun(45);
      expect(alertsOf(services, 'maintenanceFailing')).toHaveLength(1);

      sim.faults.clear();
      await backfillRun(60);
      await backfillRun(75);
      const recovered = alertsOf(services, 'maintenanceRecovered');
      expect(recovered).toHaveLength(1);
      expect(recovered[0]).toMatchObject({
        severity: 'info',
        details: { contentType: 'Audit.Exchange', step: 'backfill', failedRuns: 4 },
      });
    }));

  it('counts a subscription listing that fails against every content type, after MAINTENANCE_ALERT_AFTER_RUNS runs', () =>
    withWorld(
      async (sim, services) => {
        sim.faults.add({ operation: 'list', kind: 'http-503', times: 1000 });
        const subscriptionRun = (minutes: number) =>
          runMaintenance(services, services.log, { tasks: ['subscriptions'], now: later(minutes) });
        await subscriptionRun(0);
        expect(alertsOf(services, 'maintenanceFailing')).toHaveLength(0);
        await subscriptionRun(15);
        const failing = alertsOf(services, 'maintenanceFailing');
        expect(failing.map((a) => [a.details!.contentType, a.details!.step, a.details!.failedRuns])).toEqual([
          ['Audit.SharePoint', 'subscription', 2],
          ['Audit.Exchange', 'subscription', 2],
        ]);
      },
      { env: { MAINTENANCE_ALERT_AFTER_RUNS: '2' } },
    ));

  it('does not count an administrator’s disable as a maintenance failure', () =>
    withWorld(async (sim, services) => {
      sim.disableSubscriptionByAdmin(TENANT, 'Audit.SharePoint');
      for (const minutes of [0, 15, 30, 45]) {
        await runMaintenance(services, services.log, {
          tasks: ['subscriptions', 'backfill'],
          now: later(minutes),
        });
      }
      expect(alertsOf(services, 'subscriptionDisabledByAdmin')).toHaveLength(1);
      expect(alertsOf(services, 'maintenanceFailing')).toHaveLength(0);
      expect(alertsOf(services, 'checkpointLagging')).toHaveLength(0);
    }));
});

describe('checkpoint lag', () => {
  async function behindByThreeHours(services: TestServices): Promise<void> {
    await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
    await services.checkpoints.advance(TENANT, 'Audit.Exchange', new Date(Date.now() - 3 * 60 * MINUTE));
  }
  const backfillExchange = (services: TestServices, minutes: number) =>
    runMaintenance(services, services.log, {
      tasks: ['backfill'],
      contentTypes: ['Audit.Exchange'],
      now: later(minutes),
    });

  it('alerts a checkpoint more than 2 hours behind once, and notes when backfill caught up', () =>
    withWorld(async (sim, services) => {
      await behindByThreeHours(services);
      sim.faults.add({ operation: 'content', kind: 'http-500', times: 1000 });
      await backfillExchange(services, 0);
      await backfillExchange(services, 15);
      const lagging = alertsOf(services, 'checkpointLagging');
      expect(lagging).toHaveLength(1);
      expect(lagging[0]).toMatchObject({
        tenantId: TENANT,
        details: { contentType: 'Audit.Exchange', thresholdMinutes: 120 },
      });
      expect(lagging[0].details!.lagMinutes).toBeGreaterThanOrEqual(180);

      sim.faults.clear();
      await backfillExchange(services, 30);
      const caughtUp = alertsOf(services, 'checkpointCaughtUp');
      expect(caughtUp).toHaveLength(1);
      expect(caughtUp[0]).toMatchObject({ severity: 'info', details: { contentType: 'Audit.Exchange' } });
    }));

  it('takes its threshold from CHECKPOINT_LAG_ALERT_MINUTES', () =>
    withWorld(
      async (sim, services) => {
        await behindByThreeHours(services);
        sim.faults.add({ operation: 'content', kind: 'http-500', times: 1000 });
        await backfillExchange(services, 0);
        expect(alertsOf(services, 'checkpointLagging')).toHaveLength(0);
      },
      { env: { CHECKPOINT_LAG_ALERT_MINUTES: '240' } },
    ));
});

describe('the poison queue', () => {
  it('alerts messages in the poison queue whatever put them there, again when more arrive, and notes the drain', () =>
    withWorld(async (_sim, services) => {
      await services.ensureStorage();
      const poisonRun = () => runMaintenance(services, services.log, { tasks: ['poisonQueue'] });
      // Put there as the host does after a timeout or crash: no handler of ours raised anything.
      await services.queue.sendToPoison({ contentId: 'crashed-mid-blob' });
      expect((await poisonRun()).poisonDepth).toBe(1);
      await poisonRun();
      expect(alertsOf(services, 'poisonQueueNotEmpty')).toHaveLength(1);
      expect(alertsOf(services, 'poisonQueueNotEmpty')[0]).toMatchObject({
        severity: 'error',
        details: { poisonDepth: 1, newMessages: 1 },
      });

      await services.queue.sendToPoison({ contentId: 'timed-out' });
      await poisonRun();
      const notEmpty = alertsOf(services, 'poisonQueueNotEmpty');
      expect(notEmpty).toHaveLength(2);
      expect(notEmpty[1].details).toMatchObject({ poisonDepth: 2, newMessages: 1 });

      await services.storage.queueService.getQueueClient(services.config.names.poisonQueue).clearMessages();
      expect((await poisonRun()).poisonDepth).toBe(0);
      await poisonRun();
      expect(alertsOf(services, 'poisonQueueDrained')).toHaveLength(1);
      expect(alertsOf(services, 'poisonQueueNotEmpty')).toHaveLength(2);
    }));

  it('checks the poison queue on every timer run', () =>
    withWorld(async (_sim, services) => {
      await services.ensureStorage();
      await services.queue.sendToPoison('not even json');
      const report = await runMaintenance(services, services.log);
      expect(report.poisonDepth).toBe(1);
      expect(alertsOf(services, 'poisonQueueNotEmpty')).toHaveLength(1);
    }));
});
