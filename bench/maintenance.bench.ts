/**
 * `maintenance N tenants`: one maintenance timer run over N simulated tenants (default 200) of one
 * multi-tenant app, with realistic answer times (300-700 ms per call), three slow tenants (3 s per
 * call) and one whose API never answers, as a ratio of the timer's budget (host.json functionTimeout,
 * 10 minutes). Goal: under half the budget, and every healthy tenant maintained despite the hanging
 * one. Steady state: subscriptions exist (a warm-up run started them), tokens are cached, each
 * listing finds one blob. The baseline, in the same run, is the same work one tenant at a time,
 * measured on a tenth of the fleet and scaled up.
 */
import { createServices, type ReceiverServices } from '../functions/services';
import { MAINTENANCE_TIMER_BUDGET_MS } from '../functions/maintenance';
import { loadConfig } from '../shared/config/settings';
import { startAcceptingWebhook } from '../local/standIns/acceptingWebhook';
import { silentLogger } from '../shared/log';
import { runMaintenance } from '../shared/maintenance/runMaintenance';
import type { Figure } from './figure';
import { startHelper } from './support/childProcess';

const COUNT = Number(process.env.BENCH_MAINTENANCE_TENANTS ?? 200);
const CLIENT_ID = '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f';
const SECRET = 'bench-fleet-secret';
const AUTH_ID = 'bench-maintenance-auth-id-4e1a9b7c2d';
const REALISTIC = { baseMs: 300, jitterMs: 400, seed: 7 };
const SLOW_MS = 3000;

const tenantIdOf = (i: number) => `${String(i).padStart(8, '0')}-7e57-4a11-8b3c-00000000f1ee`;

export async function run(): Promise<Figure[]> {
  const tenantIds = Array.from({ length: COUNT }, (_, i) => tenantIdOf(i));
  const hanging = tenantIds[Math.floor(COUNT / 3)];
  const slow = [tenantIds[1], tenantIds[Math.floor(COUNT / 2)], tenantIds[COUNT - 1]];

  const azurite = startHelper('azuriteProcess.ts');
  const fleet = startHelper('tenantFleetProcess.ts');
  const receiver = await startAcceptingWebhook();
  try {
    const [connectionString, endpoints] = await Promise.all([
      azurite.call<string>({ op: 'start' }),
      fleet.call<{ apiBaseUrl: string; authorityHost: string; graphBaseUrl: string }>({
        op: 'start',
        tenantIds,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
      }),
    ]);
    const env = (concurrency: number): Record<string, string> => ({
      O365_TENANTS: JSON.stringify(
        tenantIds.map((tenantId) => ({ tenantId, clientId: CLIENT_ID, clientSecretSetting: 'FLEET_SECRET' })),
      ),
      FLEET_SECRET: SECRET,
      O365_API_BASE_URL: endpoints.apiBaseUrl,
      O365_AUTHORITY_HOST: endpoints.authorityHost,
      O365_GRAPH_BASE_URL: endpoints.graphBaseUrl,
      AzureWebJobsStorage: connectionString,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_AUTH_ID: AUTH_ID,
      MAINTENANCE_CONCURRENCY: String(concurrency),
    });
    const services = createServices(loadConfig(env(16)), {
      logger: silentLogger,
      azureCredential: { getToken: async () => null },
    });
    const timerRun = (s: ReceiverServices, tenantIdsFilter?: string[]) =>
      runMaintenance(s, silentLogger, {
        tenantIds: tenantIdsFilter,
        tenantTimeoutMs: s.config.maintenance.tenantTimeoutMs,
        budgetMs: MAINTENANCE_TIMER_BUDGET_MS,
      });

    // Warm-up at a low latency: the first run starts every subscription (and validates the webhook).
    await fleet.call({ op: 'setLatency', latency: { baseMs: 5 } });
    await timerRun(services);

    await fleet.call({
      op: 'setLatency',
      latency: {
        ...REALISTIC,
        tenants: { [hanging]: 'hang', ...Object.fromEntries(slow.map((id) => [id, SLOW_MS])) },
      },
    });
    const doneAt = new Map<string, number>();
    const started = Date.now();
    const watched: ReceiverServices = {
      ...services,
      expiryWatch: Object.assign(Object.create(services.expiryWatch) as ReceiverServices['expiryWatch'], {
        check: async (tenant: Parameters<ReceiverServices['expiryWatch']['check']>[0]) => {
          const report = await services.expiryWatch.check(tenant);
          doneAt.set(tenant.tenantId, Date.now() - started);
          return report;
        },
      }),
    };
    const report = await timerRun(watched);
    const wallMs = Date.now() - started;
    const healthyIds = tenantIds.filter((id) => id !== hanging);
    const healthyDone = report.tenants.filter(
      (t) =>
        t.tenantId !== hanging &&
        !t.subscriptionsError &&
        !t.timedOut &&
        t.backfills.length > 0 &&
        t.backfills.every((b) => !('error' in b)),
    ).length;
    const lastHealthyMs = Math.max(...healthyIds.map((id) => doneAt.get(id) ?? Infinity));

    // Baseline: one tenant at a time over a tenth of the fleet (healthy tenants at the same latency),
    // its tokens cached first as the fleet run's were.
    const sample = healthyIds
      .filter((id) => !slow.includes(id))
      .slice(0, Math.max(1, Math.floor(COUNT / 10)));
    const sequential = createServices(loadConfig(env(1)), {
      logger: silentLogger,
      azureCredential: { getToken: async () => null },
    });
    await fleet.call({ op: 'setLatency', latency: { baseMs: 5 } });
    await timerRun(sequential, sample);
    await fleet.call({ op: 'setLatency', latency: REALISTIC });
    const seqStarted = Date.now();
    await timerRun(sequential, sample);
    const sequentialMs = ((Date.now() - seqStarted) / sample.length) * COUNT;

    const budgetS = MAINTENANCE_TIMER_BUDGET_MS / 1000;
    const budget = `the timer's ${budgetS} s budget`;
    return [
      {
        name: `maintenance ${COUNT} tenants`,
        value: wallMs / 1000,
        unit: 's',
        ratio: wallMs / MAINTENANCE_TIMER_BUDGET_MS,
        baseline: budget,
      },
      {
        name: `maintenance ${COUNT} tenants, healthy tenants done`,
        value: healthyDone,
        unit: `of ${healthyIds.length} (one hanging, ${slow.length} slow)`,
      },
      {
        name: `maintenance ${COUNT} tenants, last healthy tenant done after`,
        value: lastHealthyMs / 1000,
        unit: 's',
        ratio: lastHealthyMs / MAINTENANCE_TIMER_BUDGET_MS,
        baseline: budget,
      },
      {
        name: `maintenance ${COUNT} tenants one at a time (${sample.length} measured, scaled)`,
        value: sequentialMs / 1000,
        unit: 's',
        ratio: sequentialMs / MAINTENANCE_TIMER_BUDGET_MS,
        baseline: budget,
      },
    ];
  } finally {
    await Promise.all([fleet.stop(), azurite.stop(), receiver.close()]);
  }
}
