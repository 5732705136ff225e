/**
 * Running functions follow the tenant registry without a restart: a tenant added, disabled or removed
 * with the `tenants` command is maintained and reported by health, or no longer, and its notifications
 * and queued blobs refused with the reason, once the directory's minute of caching has passed (its clock is advanced here instead of waited out). Through the local
 * host, with the settings' tenant and a registry-only tenant of the same multi-tenant app sharing one
 * Key Vault secret.
 */
import { allFunctions } from '../../functions/allFunctions';
import { createServices, type ReceiverServices } from '../../functions/services';
import { startLocalHost, type LocalHost } from '../../local/host';
import { startKeyVaultStandIn, type KeyVaultStandIn } from '../../local/keyVaultStandIn';
import type { Simulator } from '../../local/simulator';
import { staticTokenCredential } from '../../local/standIns/staticTokenCredential';
import { loadConfig } from '../../shared/config/settings';
import { memoryLogger } from '../../shared/log';
import type { HealthReport } from '../../shared/maintenance/healthReport';
import {
  alertsIn,
  AUTH_ID,
  CLIENT,
  envFor,
  runCli,
  SECRET,
  simulator,
  TENANT,
  useWorld,
} from '../maintenance/world';

jest.setTimeout(60_000);

const SECOND = '6d5c4b3a-2f1e-4d0c-9b8a-7f6e5d4c3b2a';
const world = useWorld();

let sim: Simulator;
let vault: KeyVaultStandIn;
let env: Record<string, string | undefined>;
let services: ReceiverServices;
let host: LocalHost;
const hostLog = memoryLogger();
let now = Date.now();

beforeAll(async () => {
  [sim, vault] = await Promise.all([
    simulator({
      tenants: [
        { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET },
        { tenantId: SECOND, clientId: CLIENT, clientSecret: SECRET },
      ],
    }),
    startKeyVaultStandIn(),
  ]);
  vault.setSecret('o365-client-secret', SECRET, { expiresOn: new Date(Date.now() + 90 * 86_400_000) });
  env = envFor(sim, world.azurite().connectionString, {
    O365_CLIENT_SECRET: undefined,
    KEY_VAULT_URL: vault.vaultUrl,
    O365_CONTENT_TYPES: 'Audit.General',
    WEBHOOK_URL: world.receiver().url,
    WEBHOOK_AUTH_ID: AUTH_ID,
  });
  services = createServices(loadConfig(env), {
    logger: memoryLogger(),
    azureCredential: staticTokenCredential('vault-token'),
    disableKeyVaultChallengeVerification: true,
    clientOptions: { retryDelay: { baseMs: 1, maxMs: 5 } },
    directoryClock: () => new Date(now),
  });
  host = await startLocalHost(allFunctions(services), {
    storageConnectionString: env.AzureWebJobsStorage!,
    logger: hostLog,
    timers: 'manual',
    pollIntervalMs: { min: 20, max: 100 },
  });
});
afterAll(async () => {
  await host?.stop();
  await Promise.all([sim?.stop(), vault?.stop()]);
});

const apiCallsOf = (tenantId: string) =>
  sim.requests.filter((r) => r.listener === 'api' && r.path.includes(`/${tenantId}/`)).length;

/** Microsoft's POST of one notification for the tenant's Audit.General content. */
async function notify(tenantId: string, contentId: string): Promise<number> {
  const res = await fetch(`${host.url}/api/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; utf-8', 'webhook-authid': AUTH_ID },
    body: JSON.stringify([
      {
        tenantId,
        clientId: CLIENT,
        contentType: 'Audit.General',
        contentId,
        contentUri: `${sim.apiBaseUrl}/api/v1.0/${tenantId}/activity/feed/audit/${contentId}`,
        contentCreated: new Date().toISOString(),
        contentExpiration: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
    ]),
  });
  await res.arrayBuffer();
  return res.status;
}

const alertsOf = (kind: string) => alertsIn(hostLog.lines.map((l) => l.line)).filter((a) => a.kind === kind);

async function healthTenants(): Promise<string[]> {
  const res = await fetch(`${host.url}/api/health`, { headers: { 'x-functions-key': host.functionKey } });
  expect(res.status).toBe(200);
  return ((await res.json()) as HealthReport).tenants.map((t) => t.tenantId);
}

/** Runs `tenants <argv>` as an operator would, then lets the directory's minute of caching pass. */
async function change(...argv: string[]): Promise<string> {
  const r = await runCli(['tenants', ...argv], env);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  now += 61_000;
  return r.stdout;
}

async function timerLeavesAlone(tenantId: string): Promise<void> {
  const before = apiCallsOf(tenantId);
  await host.triggerTimer('maintenance');
  expect(apiCallsOf(tenantId)).toBe(before);
}

describe('the tenant registry, seen by running functions', () => {
  it('serves the tenant of the settings, seeded into the registry at the first invocation', async () => {
    await host.triggerTimer('maintenance');
    expect(sim.subscriptions(TENANT)).toEqual([expect.objectContaining({ status: 'enabled' })]);
    expect(sim.subscriptions(SECOND)).toEqual([]);
    expect(await healthTenants()).toEqual([TENANT]);
  });

  it('maintains and reports a tenant added with `tenants add` within a minute', async () => {
    expect(await change('add', '--tenant', SECOND, '--client', CLIENT)).toContain(
      `app ${CLIENT} now serves 2 tenants with one credential`,
    );
    await host.triggerTimer('maintenance');
    expect(sim.subscriptions(SECOND)).toEqual([expect.objectContaining({ status: 'enabled' })]);
    expect(await healthTenants()).toEqual([TENANT, SECOND]);
  });

  it('stops serving a disabled tenant, and serves it again once enabled', async () => {
    await change('disable', '--tenant', TENANT);
    await timerLeavesAlone(TENANT);
    expect(await healthTenants()).toEqual([SECOND]);
    expect(await notify(TENANT, 'disabled$blob$1')).toBe(200);
    expect(alertsOf('webhookRejected').at(-1)?.details).toMatchObject({
      rejected: 1,
      accepted: 0,
      reasons: [`tenant ${TENANT} is disabled in the tenant registry`],
    });
    const refused = await runCli(['subscriptions', 'list', '--tenant', TENANT], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`error: tenant ${TENANT} is disabled in the tenant registry\n`);

    await change('enable', '--tenant', TENANT);
    expect(await healthTenants()).toEqual([TENANT, SECOND]);
  });

  it('forgets a removed tenant', async () => {
    await change('remove', '--tenant', SECOND);
    await timerLeavesAlone(SECOND);
    expect(await healthTenants()).toEqual([TENANT]);

    const reason = `tenant ${SECOND} is not a configured tenant: it is not in the tenant registry (never added, or removed)`;
    // A blob of the tenant still in the queue (queued before the removal took effect).
    await services.queue.enqueue([
      {
        tenantId: SECOND,
        clientId: CLIENT,
        contentType: 'Audit.General',
        contentId: 'queued$blob$1',
        contentUri: `${sim.apiBaseUrl}/api/v1.0/${SECOND}/activity/feed/audit/queued$blob$1`,
        source: 'backfill',
        enqueuedAt: new Date().toISOString(),
      },
    ]);
    expect(await notify(SECOND, 'removed$blob$1')).toBe(200);
    expect(alertsOf('webhookRejected').at(-1)?.details).toMatchObject({ rejected: 1, reasons: [reason] });

    await host.whenQueuesIdle({ timeoutMs: 20_000 });
    expect(await services.queue.depth()).toMatchObject({ queued: 0, poison: 1 });
    expect(alertsOf('poisonMessage')).toEqual([
      expect.objectContaining({
        tenantId: SECOND,
        message: `content message moved to the poison queue: ${reason}`,
      }),
    ]);
  });
});
