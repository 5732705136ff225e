/** The maintenance timer against the simulated tenant and Azurite. */
import type { InvocationContext } from '@azure/functions';
import { defineHealth } from '../../functions/health';
import { defineMaintenance } from '../../functions/maintenance';
import { startLocalHost } from '../../local/host';
import type { Simulator } from '../../local/simulator';
import { formatWindowTime } from '../../shared/managementApi';
import { RELIST_OVERLAP_MS } from '../../shared/maintenance/backfiller';
import type { BackfillReport } from '../../shared/maintenance/backfiller';
import { runMaintenance, type MaintenanceReport } from '../../shared/maintenance/runMaintenance';
import { memoryLogger } from '../../shared/log';
import { AUTH_ID, fetchEverything, servicesFor, SECRET, TENANT, useWorld } from './world';

jest.setTimeout(60_000);

const world = useWorld();
const withWorld = world.withWorld;

const MINUTE = 60_000;
const later = (minutes: number) => new Date(Date.now() + minutes * MINUTE);

const webhookOf = (sim: Simulator, contentType: string) =>
  sim.subscriptions(TENANT).find((s) => s.contentType === contentType);

describe('keeping subscriptions alive', () => {
  it('starts missing subscriptions with the configured webhook and auth id', () =>
    withWorld(async (sim, services) => {
      const report = await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      expect(report.failures).toBe(0);
      for (const ct of ['Audit.SharePoint', 'Audit.Exchange']) {
        expect(webhookOf(sim, ct)).toEqual({
          contentType: ct,
          status: 'enabled',
          webhook: { status: 'enabled', address: world.receiver().url, authId: AUTH_ID, expiration: null },
        });
      }
      expect(services.alerts().filter((a) => a.kind === 'subscriptionStarted')).toHaveLength(2);
    }));

  it('re-enables a disabled webhook and restarts one that reverted to null, after the spacing', () =>
    withWorld(async (sim, services) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      sim.setWebhookState(TENANT, 'Audit.SharePoint', 'disabled');
      sim.setWebhookState(TENANT, 'Audit.Exchange', null);

      const tooSoon = await runMaintenance(services, services.log, {
        tasks: ['subscriptions'],
        now: later(5),
      });
      expect(tooSoon.tenants[0].subscriptions!.map((o) => o.result)).toEqual(['waitSpacing', 'waitSpacing']);
      expect(webhookOf(sim, 'Audit.SharePoint')!.webhook!.status).toBe('disabled');
      expect(webhookOf(sim, 'Audit.Exchange')!.webhook).toBeNull();

      const repaired = await runMaintenance(services, services.log, {
        tasks: ['subscriptions'],
        now: later(16),
      });
      expect(
        repaired.tenants[0].subscriptions!.map((o) => [o.result, 'reason' in o ? o.reason : '']),
      ).toEqual([
        ['started', 'webhookDisabled'],
        ['started', 'webhookMissing'],
      ]);
      expect(webhookOf(sim, 'Audit.SharePoint')!.webhook!.status).toBe('enabled');
      expect(webhookOf(sim, 'Audit.Exchange')!.webhook!.status).toBe('enabled');
      expect(services.alerts().filter((a) => a.kind === 'webhookReenabled')).toHaveLength(2);
    }));

  it('alerts a subscription disabled by an admin (AF20023) once across runs and skips its backfill', () =>
    withWorld(async (sim, services) => {
      sim.disableSubscriptionByAdmin(TENANT, 'Audit.SharePoint');
      const first = await runMaintenance(services, services.log, { tasks: ['subscriptions', 'backfill'] });
      const second = await runMaintenance(services, services.log, {
        tasks: ['subscriptions', 'backfill'],
        now: later(20),
      });
      const adminAlerts = services.alerts().filter((a) => a.kind === 'subscriptionDisabledByAdmin');
      expect(adminAlerts).toHaveLength(1);
      expect(adminAlerts[0]).toMatchObject({
        tenantId: TENANT,
        severity: 'error',
        details: { contentType: 'Audit.SharePoint' },
      });
      expect(first.tenants[0].subscriptions![0]).toMatchObject({ result: 'disabledByAdmin', alerted: true });
      expect(second.tenants[0].subscriptions![0]).toMatchObject({
        result: 'disabledByAdmin',
        alerted: false,
      });
      const starts = sim.requests.filter(
        (r) => r.operation === 'start' && r.query.contentType === 'Audit.SharePoint',
      );
      expect(starts).toHaveLength(1);
      expect(second.tenants[0].backfills.map((b) => b.contentType)).toEqual(['Audit.Exchange']);
    }));

  it.each(['leaveDisabled', 'alreadyEnabled'] as const)(
    'when /start answers %s, the webhook is reported not repaired, alerted once, still backfilled, and its repair noted',
    (mode) =>
      withWorld(async (sim, services) => {
        await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
        sim.setAnswers({ startOnDisabledWebhook: mode });
        sim.setWebhookState(TENANT, 'Audit.SharePoint', 'disabled');
        const sharePoint = (r: MaintenanceReport) =>
          r.tenants[0].subscriptions!.find((o) => o.contentType === 'Audit.SharePoint');

        const first = await runMaintenance(services, services.log, {
          tasks: ['subscriptions', 'backfill'],
          now: later(16),
        });
        expect(sharePoint(first)).toMatchObject({
          result: 'notRepaired',
          reason: 'webhookDisabled',
          still: 'webhookDisabled',
          alerted: true,
        });
        const backfilled = first.tenants[0].backfills.find((b) => b.contentType === 'Audit.SharePoint');
        expect(backfilled && 'windows' in backfilled).toBe(true);
        const second = await runMaintenance(services, services.log, {
          tasks: ['subscriptions', 'backfill'],
          now: later(32),
        });
        expect(sharePoint(second)).toMatchObject({ result: 'notRepaired', alerted: false });
        const kinds = () => services.alerts().map((a) => a.kind);
        expect(kinds().filter((k) => k === 'webhookNotRepaired')).toHaveLength(1);
        expect(kinds()).not.toContain('webhookReenabled');
        expect(services.alerts().find((a) => a.kind === 'webhookNotRepaired')).toMatchObject({
          tenantId: TENANT,
          severity: 'error',
          details: { contentType: 'Audit.SharePoint', webhookStatus: 'disabled' },
        });

        sim.setAnswers({ startOnDisabledWebhook: 'reenable' });
        const third = await runMaintenance(services, services.log, {
          tasks: ['subscriptions'],
          now: later(48),
        });
        expect(sharePoint(third)).toMatchObject({ result: 'started', reason: 'webhookDisabled' });
        expect(webhookOf(sim, 'Audit.SharePoint')!.webhook!.status).toBe('enabled');
        expect(kinds().filter((k) => k === 'subscriptionRepaired')).toHaveLength(1);
        expect(kinds().filter((k) => k === 'webhookNotRepaired')).toHaveLength(1);
      }),
  );

  it('counts a refused /start against the 15-minute spacing: the next run waits instead of asking again', () =>
    withWorld(async (sim, services) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      sim.setWebhookState(TENANT, 'Audit.SharePoint', 'disabled');
      // Refused on every try the client makes (O365_MAX_ATTEMPTS=2 in these tests).
      sim.faults.add({ operation: 'start', kind: 'throttle-403', times: 2 });
      const starts = () =>
        sim.requests.filter((r) => r.operation === 'start' && r.query.contentType === 'Audit.SharePoint')
          .length;
      const refusedAt = later(16);
      const refused = await runMaintenance(services, services.log, {
        tasks: ['subscriptions'],
        now: refusedAt,
      });
      expect(refused.tenants[0].subscriptions![0]).toMatchObject({ result: 'failed', code: 'AF429' });
      const startsAfterRefusal = starts();

      const soon = await runMaintenance(services, services.log, {
        tasks: ['subscriptions'],
        now: later(21),
      });
      expect(soon.tenants[0].subscriptions![0]).toMatchObject({
        result: 'waitSpacing',
        retryAt: new Date(refusedAt.getTime() + 15 * MINUTE).toISOString(),
      });
      expect(starts()).toBe(startsAfterRefusal);

      const spaced = await runMaintenance(services, services.log, {
        tasks: ['subscriptions'],
        now: later(32),
      });
      expect(spaced.tenants[0].subscriptions![0]).toMatchObject({ result: 'started' });
    }));

  it('holds and alerts once a subscription an admin disabled when /start answers 200 and only the listing says AF20023', () =>
    withWorld(async (sim, services) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      sim.setAnswers({ startOnAdminDisabled: 'unchanged' });
      sim.disableSubscriptionByAdmin(TENANT, 'Audit.SharePoint');
      const first = await runMaintenance(services, services.log, {
        tasks: ['subscriptions', 'backfill'],
        now: later(16),
      });
      expect(first.tenants[0].subscriptions![0]).toMatchObject({
        result: 'notRepaired',
        still: 'subscriptionDisabled',
      });
      expect(first.tenants[0].backfills[0]).toMatchObject({
        contentType: 'Audit.SharePoint',
        disabledByAdmin: true,
      });
      expect(first.failures).toBe(0);

      const second = await runMaintenance(services, services.log, {
        tasks: ['subscriptions', 'backfill'],
        now: later(32),
      });
      expect(second.tenants[0].subscriptions![0]).toMatchObject({ result: 'disabledByAdmin' });
      expect(second.tenants[0].backfills.map((b) => b.contentType)).toEqual(['Audit.Exchange']);
      const adminAlerts = services.alerts().filter((a) => a.kind === 'subscriptionDisabledByAdmin');
      expect(adminAlerts).toHaveLength(1);
      expect(adminAlerts[0]).toMatchObject({ details: { contentType: 'Audit.SharePoint', code: 'AF20023' } });
    }));

  it('in backfill-only mode starts subscriptions without a webhook and says so', () =>
    withWorld(
      async (sim, services) => {
        await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
        expect(webhookOf(sim, 'Audit.SharePoint')).toMatchObject({ status: 'enabled', webhook: null });
        expect(services.log.lines.some((l) => l.line.includes('WEBHOOK_URL is not set'))).toBe(true);
      },
      { env: { WEBHOOK_URL: undefined, WEBHOOK_AUTH_ID: undefined } },
    ));

  it("isolates one tenant's failure: the expiry check still runs and the failure is reported", () =>
    withWorld(async (sim, services) => {
      sim.faults.add({ operation: 'list', kind: 'wrong-shape', times: 5 });
      const report = await runMaintenance(services, services.log);
      expect(report.tenants[0].subscriptionsError).toMatch(/unexpected answer shape/);
      expect(report.tenants[0].secretExpiry).toBeDefined();
      expect(report.failures).toBeGreaterThanOrEqual(1);
      expect(
        services.log.lines.some(
          (l) => l.level === 'error' && l.line.includes('keeping subscriptions failed'),
        ),
      ).toBe(true);
    }));

  it('skips the backfill of a tenant whose subscriptions cannot be listed, and reports why', () =>
    withWorld(async (sim, services) => {
      sim.faults.add({ operation: 'list', kind: 'http-503', times: 2 });
      const report = await runMaintenance(services, services.log);
      const t = report.tenants[0];
      expect(t.subscriptionsError).toMatch(/503/);
      expect(t.backfillSkipped).toBe(`subscriptions could not be listed: ${t.subscriptionsError}`);
      expect(t.backfills).toEqual([]);
      expect(sim.requests.filter((r) => r.operation === 'content')).toEqual([]);
      expect(
        services.log.lines.some((l) => l.level === 'warn' && l.line.includes('backfill skipped this run')),
      ).toBe(true);

      // The next run, with the API answering again, backfills as usual.
      const next = await runMaintenance(services, services.log, { now: later(16) });
      expect(next.tenants[0].backfillSkipped).toBeUndefined();
      expect(next.tenants[0].backfills).toHaveLength(2);
    }));
});

describe('filling gaps', () => {
  it('finds content whose notifications were dropped; the sink gets it exactly once even when backfill runs twice', () =>
    withWorld(async (sim, services, env) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      const published = sim.generateAndPublish(TENANT, 'Audit.SharePoint', {
        blobs: 3,
        recordsPerBlob: 4,
        createdAt: new Date(Date.now() - 2 * 3600_000),
        notify: false,
      });
      const first = await runMaintenance(services, services.log, { tasks: ['backfill'] });
      const sp = first.tenants[0].backfills.find((b) => b.contentType === 'Audit.SharePoint')!;
      expect(sp).toMatchObject({ found: 3, enqueued: 3 });
      // The same content enqueued again before any of it was fetched (an operator's re-run).
      const again = await runMaintenance(services, services.log, {
        tasks: ['backfill'],
        since: new Date(Date.now() - 3 * 3600_000),
      });
      expect(again.tenants[0].backfills.find((b) => b.contentType === 'Audit.SharePoint')).toMatchObject({
        enqueued: 3,
      });

      const sink = await fetchEverything(env);
      // Copies of one blob wait for its claim; the sink keeps one write per blob, so events land once.
      expect(sink.blobs.size).toBe(3);
      const ids = sink.allEvents().map((e) => (e as { event: { id: string } }).event.id);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
      for (const p of published) expect(await services.ledger.isDone(TENANT, p.contentId)).toBe(true);

      const third = await runMaintenance(services, services.log, {
        tasks: ['backfill'],
        since: new Date(Date.now() - 3 * 3600_000),
      });
      expect(third.tenants[0].backfills.find((b) => b.contentType === 'Audit.SharePoint')).toMatchObject({
        found: 3,
        enqueued: 0,
      });
    }));

  it('fetches a blob listed only after the previous run although its contentCreated lies before the checkpoint', () =>
    withWorld(async (sim, services, env) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      const first = await runMaintenance(services, services.log, {
        tasks: ['backfill'],
        contentTypes: ['Audit.SharePoint'],
      });
      const checkpoint = Date.parse((first.tenants[0].backfills[0] as BackfillReport).checkpoint!);
      // Published only now, dated 20 minutes before the checkpoint: the first run could not list it.
      const [late] = sim.generateAndPublish(TENANT, 'Audit.SharePoint', {
        blobs: 1,
        recordsPerBlob: 2,
        createdAt: new Date(checkpoint - 20 * MINUTE),
        notify: false,
      });
      const second = await runMaintenance(services, services.log, {
        tasks: ['backfill'],
        contentTypes: ['Audit.SharePoint'],
        now: later(15),
      });
      expect(second.tenants[0].backfills[0]).toMatchObject({ found: 1, enqueued: 1 });
      const sink = await fetchEverything(env);
      expect(sink.allEvents()).toHaveLength(2);
      expect(await services.ledger.isDone(TENANT, late!.contentId)).toBe(true);
    }));

  it('keeps the checkpoint across a restart and lists on from it', () =>
    withWorld(async (sim, services, env) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      await runMaintenance(services, services.log, { tasks: ['backfill'] });
      const before = await services.checkpoints.get(TENANT, 'Audit.Exchange');
      expect(before).toBeDefined();

      const restarted = servicesFor(env);
      expect(await restarted.checkpoints.get(TENANT, 'Audit.Exchange')).toMatchObject({
        lastContentCreatedEnd: before!.lastContentCreatedEnd,
      });
      const seen = sim.requests.length;
      await runMaintenance(restarted, restarted.log, {
        tasks: ['backfill'],
        contentTypes: ['Audit.Exchange'],
        now: later(1),
      });
      const listing = sim.requests.slice(seen).find((r) => r.operation === 'content');
      // It lists on from the checkpoint, one overlap hour early so late-listed blobs are not missed.
      expect(listing?.query.startTime).toBe(
        formatWindowTime(new Date(Date.parse(before!.lastContentCreatedEnd) - RELIST_OVERLAP_MS)),
      );
    }));

  it('alerts the lost window once when the checkpoint is older than 7 days, then goes on from the edge', () =>
    withWorld(async (sim, services) => {
      await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
      await services.ensureStorage();
      const stale = new Date(Math.floor((Date.now() - 9 * 24 * 3600_000) / 1000) * 1000);
      await services.checkpoints.advance(TENANT, 'Audit.SharePoint', stale);
      const report = await runMaintenance(services, services.log, {
        tasks: ['backfill'],
        contentTypes: ['Audit.SharePoint'],
      });
      await runMaintenance(services, services.log, {
        tasks: ['backfill'],
        contentTypes: ['Audit.SharePoint'],
        now: later(1),
      });
      const lost = services.alerts().filter((a) => a.kind === 'backfillGapLost');
      expect(lost).toHaveLength(1);
      expect(lost[0].details).toMatchObject({
        contentType: 'Audit.SharePoint',
        lostFrom: stale.toISOString(),
      });
      const b = report.tenants[0].backfills[0];
      expect('error' in b).toBe(false);
      expect(b).toMatchObject({ windows: 7, lost: { startTime: stale.toISOString() } });
      void sim;
    }));

  it.each([
    ['sends a Date header: the client shifts the window by the skew it measured', true, 'skewed'],
    [
      'sends no Date header: the plan is redone further inside the 7 days, the edge alerted lost',
      false,
      'sent no Date header',
    ],
  ])(
    'lists through a server clock 3 hours ahead that refuses the first window (AF20030) and %s',
    (_name, dateHeader, logged) =>
      withWorld(
        async (sim, services) => {
          await runMaintenance(services, services.log, { tasks: ['subscriptions'] });
          const checkpoint = new Date(Math.floor((Date.now() - (7 * 24 - 1.5) * 3600_000) / 1000) * 1000);
          await services.checkpoints.advance(TENANT, 'Audit.Exchange', checkpoint);
          const report = await runMaintenance(services, services.log, {
            tasks: ['backfill'],
            contentTypes: ['Audit.Exchange'],
          });
          const b = report.tenants[0].backfills[0];
          expect('error' in b ? b.error : 'ok').toBe('ok');
          const refused = sim.requests.filter((r) => r.operation === 'content' && r.statusCode === 400);
          expect(refused.length).toBeGreaterThanOrEqual(1);
          expect(services.log.lines.some((l) => l.line.includes(logged))).toBe(true);
          const cp = await services.checkpoints.get(TENANT, 'Audit.Exchange');
          expect(Date.parse(cp!.lastContentCreatedEnd)).toBeGreaterThan(Date.now() - 5 * MINUTE);
          if (!dateHeader) {
            expect(b).toMatchObject({ serverClockUnknown: true });
            const lost = services.alerts().filter((a) => a.kind === 'backfillGapLost');
            expect(lost).toHaveLength(1);
            expect(lost[0].details).toMatchObject({ lostFrom: checkpoint.toISOString() });
          }
        },
        { sim: [{ clock: () => new Date(Date.now() + 3 * 3600_000), answers: { dateHeader } }] },
      ),
  );
});

describe('secret expiry through the timer', () => {
  it('fires each threshold once as the expiry date comes closer', () =>
    withWorld(
      async (sim, services) => {
        const timer = defineMaintenance(services);
        const context = fakeContext();
        const expiryIn = (days: number) =>
          sim.setGraphPassword(TENANT, [
            {
              keyId: 'k1',
              displayName: 'receiver',
              endDateTime: new Date(Date.now() + days * 86400_000).toISOString(),
            },
          ]);
        const thresholdsFired = () =>
          services
            .alerts()
            .filter((a) => a.kind === 'secretExpiring')
            .map((a) => a.severity);
        for (const [days, expected] of [
          [20, ['warning']],
          [19, ['warning']],
          [10, ['warning', 'warning']],
          [5, ['warning', 'warning', 'error']],
          [4, ['warning', 'warning', 'error']],
          [0.5, ['warning', 'warning', 'error', 'critical']],
        ] as const) {
          expiryIn(days);
          await timer.handler({ isPastDue: false, scheduleStatus: undefined } as never, context);
          expect(thresholdsFired()).toEqual(expected);
        }
      },
      {
        sim: [{}, { graphPermissionGranted: true }],
        env: { GRAPH_EXPIRY_CHECK: 'true', O365_CONTENT_TYPES: 'Audit.General' },
      },
    ));

  it('alerts an expired secret (AADSTS7000222) as critical once, from the timer run', () =>
    withWorld(
      async (_sim, services) => {
        const timer = defineMaintenance(services);
        await timer.handler({ isPastDue: false } as never, fakeContext());
        await timer.handler({ isPastDue: false } as never, fakeContext());
        const expired = services.alerts().filter((a) => a.kind === 'secretExpired');
        expect(expired).toHaveLength(1);
        expect(expired[0]).toMatchObject({
          severity: 'critical',
          tenantId: TENANT,
          details: { aadstsCode: 'AADSTS7000222' },
        });
        expect(JSON.stringify(services.log.lines)).not.toContain(SECRET);
      },
      { sim: [{}, { secretExpiresAt: new Date(Date.now() - 3600_000) }] },
    ));
});

describe('health function', () => {
  it('reports per tenant × content type without secret values, behind the function key', () =>
    withWorld(async (_sim, services, env) => {
      await runMaintenance(services, services.log);
      const host = await startLocalHost([defineHealth(services)], {
        storageConnectionString: env.AzureWebJobsStorage!,
        logger: memoryLogger(),
        timers: 'manual',
      });
      try {
        const anonymous = await fetch(`${host.url}/api/health`);
        expect(anonymous.status).toBe(401);
        const res = await fetch(`${host.url}/api/health`, {
          headers: { 'x-functions-key': host.functionKey },
        });
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(AUTH_ID);
        const body = JSON.parse(text);
        expect(body).toMatchObject({ status: 'ok', queue: { poison: 0 }, tenants: [{ tenantId: TENANT }] });
        const cts = body.tenants[0].contentTypes;
        expect(cts.map((c: { contentType: string }) => c.contentType)).toEqual([
          'Audit.SharePoint',
          'Audit.Exchange',
        ]);
        for (const c of cts) {
          expect(c).toMatchObject({
            subscription: 'enabled',
            webhook: 'enabled',
            checkpointLagMinutes: expect.any(Number),
          });
          expect(typeof c.lastBackfillAt).toBe('string');
        }
      } finally {
        await host.stop();
      }
    }));
});

function fakeContext(): InvocationContext {
  const noop = () => undefined;
  return {
    log: noop,
    debug: noop,
    warn: noop,
    error: noop,
    info: noop,
    trace: noop,
  } as unknown as InvocationContext;
}

describe('pruning the ledger', () => {
  it('deletes entries older than the retention and keeps going when the prune fails', () =>
    withWorld(async (_sim, services) => {
      await services.ensureStorage();
      await services.ledger.markCompleted({
        tenantId: TENANT,
        contentId: 'old-blob',
        contentType: 'Audit.General',
      });
      // Nine days on, the blob is past Microsoft's 7-day retention (plus our day of margin).
      const report = await runMaintenance(services, services.log, {
        tasks: ['ledgerPrune'],
        now: new Date(Date.now() + 9 * 24 * 60 * MINUTE),
      });
      expect(report.ledgerPruned).toBe(1);
      expect(await services.ledger.isDone(TENANT, 'old-blob')).toBe(false);

      const log = memoryLogger();
      const failing = {
        ...services,
        ledger: {
          filterNotDone: (tenantId: string, ids: readonly string[]) =>
            services.ledger.filterNotDone(tenantId, ids),
          pruneFinishedBefore: () => Promise.reject(new Error('table offline')),
        },
      };
      const failed = await runMaintenance(failing, log, { tasks: ['ledgerPrune'] });
      expect(failed.failures).toBe(1);
      expect(log.lines.some((l) => l.level === 'warn' && l.line.includes('table offline'))).toBe(true);
    }));
});
