/**
 * The maintenance run over 200 simulated tenants of one multi-tenant app, with a few slow tenants and
 * one that never answers: tenants run in parallel, the hanging one is stopped at its deadline, every
 * healthy tenant is maintained, and every request carries its tenant's PublisherIdentifier.
 */
import { startSimulator, type Simulator } from '../../local/simulator';
import { MAINTENANCE_TIMER_BUDGET_MS } from '../../functions/maintenance';
import { runMaintenance } from '../../shared/maintenance/runMaintenance';
import { AUTH_ID, CLIENT, SECRET, servicesFor, useWorld } from './world';

jest.setTimeout(120_000);

const world = useWorld();
const COUNT = 200;
const tenantIds = Array.from(
  { length: COUNT },
  (_, i) => `${String(i).padStart(8, '0')}-0000-4000-8000-00000000c0de`,
);
const HANGING = tenantIds[57];
const SLOW = [tenantIds[3], tenantIds[120], tenantIds[199]];

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    tenants: tenantIds.map((tenantId) => ({ tenantId, clientId: CLIENT, clientSecret: SECRET })),
    startSpacingMs: 0,
    allowInsecureWebhook: true,
    latency: {
      baseMs: 2,
      jitterMs: 4,
      tenants: { [HANGING]: 'hang', ...Object.fromEntries(SLOW.map((id) => [id, 60])) },
    },
  });
});
afterAll(() => sim?.stop());

function env(): Record<string, string> {
  const unique = Date.now().toString(36);
  return {
    O365_TENANTS: JSON.stringify(
      tenantIds.map((tenantId) => ({ tenantId, clientId: CLIENT, clientSecretSetting: 'APP_SECRET' })),
    ),
    APP_SECRET: SECRET,
    O365_API_BASE_URL: sim.apiBaseUrl,
    O365_AUTHORITY_HOST: sim.authorityHost,
    O365_GRAPH_BASE_URL: sim.graphBaseUrl,
    O365_CONTENT_TYPES: 'Audit.General',
    AzureWebJobsStorage: world.azurite().connectionString,
    WEBHOOK_URL: world.receiver().url,
    WEBHOOK_AUTH_ID: AUTH_ID,
    MAINTENANCE_CONCURRENCY: '16',
    CONTENT_QUEUE_NAME: `many-${unique}`,
    LEDGER_TABLE_NAME: `manyledger${unique}`,
    STATE_TABLE_NAME: `manystate${unique}`,
    TENANTS_TABLE_NAME: `manytenants${unique}`,
  };
}

describe('maintenance of 200 tenants', () => {
  it('maintains every healthy tenant in parallel and stops the hanging one at its deadline', async () => {
    const services = servicesFor(env());
    let inFlight = 0;
    let most = 0;
    const clientFor: typeof services.clientFor = (tenant) => {
      const client = services.clientFor(tenant);
      const counted =
        <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          most = Math.max(most, ++inFlight);
          try {
            return await call(...args);
          } finally {
            inFlight--;
          }
        };
      return Object.assign(Object.create(client) as typeof client, {
        listSubscriptions: counted(client.listSubscriptions.bind(client)),
      });
    };

    const report = await runMaintenance({ ...services, clientFor }, services.log, {
      tenantTimeoutMs: 5000,
      budgetMs: MAINTENANCE_TIMER_BUDGET_MS,
    });

    expect(report.tenants).toHaveLength(COUNT);
    expect(report.notStarted).toEqual([]);
    const healthy = report.tenants.filter((t) => t.tenantId !== HANGING);
    expect(healthy.filter((t) => t.subscriptionsError || t.timedOut || t.backfills.length !== 1)).toEqual([]);
    expect(healthy.flatMap((t) => t.backfills).filter((b) => 'error' in b)).toEqual([]);
    for (const id of [...SLOW, tenantIds[0], tenantIds[199]]) {
      expect(sim.subscriptions(id)).toEqual([expect.objectContaining({ status: 'enabled' })]);
    }

    const hanging = report.tenants.find((t) => t.tenantId === HANGING)!;
    expect(hanging.timedOut).toMatch(/passed its 5 s deadline/);
    expect(hanging.subscriptionsError).toMatch(/deadline/);
    expect(hanging.backfills).toEqual([]);
    expect(report.failures).toBe(1);

    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(16);
    const apiCalls = sim.requests.filter((r) => r.listener === 'api' && r.operation);
    expect(apiCalls.filter((r) => r.publisherIdentifier !== r.path.split('/')[3])).toEqual([]);

    // The next run starts one tenant further, so no tenant is always last in line.
    expect(report.tenants[0].tenantId).toBe(tenantIds[0]);
    const next = await runMaintenance(services, services.log, { tasks: ['secretExpiry'] });
    expect(next.tenants.map((t) => t.tenantId)).toEqual([...tenantIds.slice(1), tenantIds[0]]);
  });
});
