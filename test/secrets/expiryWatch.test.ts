import { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { startKeyVaultStandIn, type KeyVaultStandIn } from '../../local/keyVaultStandIn';
import type { Alert } from '../../shared/alerts/model';
import type { TenantConfig } from '../../shared/config/settings';
import { memoryLogger } from '../../shared/log';
import { EXPIRY_STATE_PARTITION, TableExpiryStateStore } from '../../shared/secrets/expiryStateStore';
import { SecretExpiryWatch } from '../../shared/secrets/expiryWatch';
import { RotatingClientSecretCredential } from '../../shared/secrets/rotatingCredential';
import { createKeyVaultSecretClient, KeyVaultSecretProvider } from '../../shared/secrets/secretProvider';
import { startEntraStandIn, type EntraStandIn } from './support/entraStandIn';
import { startHttpStub, type HttpStub } from './support/httpStub';
import { StaticTokenCredential } from './support/staticCredential';
import { CLIENT_ID, tenantConfig } from './support/tenant';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2030-06-01T00:00:00Z');

describe('SecretExpiryWatch against Key Vault, Entra and Table Storage stand-ins', () => {
  let azurite: AzuriteInstance;
  let vault: KeyVaultStandIn;
  let graph: HttpStub;
  let table: TableClient;
  let counter = 0;
  let tenant: TenantConfig;

  beforeAll(async () => {
    [azurite, vault, graph] = await Promise.all([startAzurite(), startKeyVaultStandIn(), startHttpStub()]);
    table = TableClient.fromConnectionString(azurite.connectionString, 'o365state', {
      allowInsecureConnection: true,
    });
  });
  afterAll(() => Promise.all([azurite?.stop(), vault?.stop(), graph?.stop()]));
  beforeEach(() => {
    // A tenant of its own per test: rows and vault items never leak between tests.
    counter += 1;
    const suffix = String(counter).padStart(12, '0');
    tenant = tenantConfig({
      tenantId: `22222222-0000-0000-0000-${suffix}`,
      endpoints: { ...tenantConfig().endpoints, graphBaseUrl: graph.url },
      secret: { keyVaultSecretName: `o365-client-secret-${counter}` },
    });
  });

  function setup(options: { clock?: () => Date; graph?: boolean; authority?: string } = {}) {
    const alerts: Alert[] = [];
    const client = createKeyVaultSecretClient(vault.vaultUrl, new StaticTokenCredential(), {
      disableChallengeResourceVerification: true,
    });
    const secrets = new KeyVaultSecretProvider(client, { cacheSeconds: 0 });
    const watch = new SecretExpiryWatch({
      secrets,
      store: new TableExpiryStateStore(table),
      alerter: { raise: async (a) => void alerts.push(a) },
      logger: memoryLogger(),
      thresholdsDays: [30, 14, 7, 1],
      clock: options.clock,
      graph: options.graph ? { credentialFor: () => new StaticTokenCredential() } : undefined,
    });
    return { alerts, secrets, watch };
  }

  it('fires each threshold once across runs and across instances sharing the state table', async () => {
    let now = T0;
    vault.setSecret(tenant.secret.keyVaultSecretName, 'v', { expiresOn: new Date(T0.getTime() + 40 * DAY) });
    const a = setup({ clock: () => now });
    const b = setup({ clock: () => now }); // a second Function instance
    const kinds: string[] = [];
    for (const day of [0, 10, 10, 11, 26, 33, 33, 39]) {
      now = new Date(T0.getTime() + day * DAY);
      const watch = day % 2 === 0 ? a.watch : b.watch;
      const report = await watch.check(tenant);
      kinds.push(...report.alerts.map((x) => `${day}:${x.severity}:${String(x.details?.thresholdDays)}`));
    }
    expect(kinds).toEqual(['10:warning:30', '26:warning:14', '33:error:7', '39:critical:1']);
    expect([...a.alerts, ...b.alerts]).toHaveLength(4);
  });

  it('sends one alert when two instances evaluate the same crossing at the same time', async () => {
    vault.setSecret(tenant.secret.keyVaultSecretName, 'v', { expiresOn: new Date(T0.getTime() + 5 * DAY) });
    const a = setup({ clock: () => T0 });
    const b = setup({ clock: () => T0 });
    await Promise.all([a.watch.check(tenant), b.watch.check(tenant)]);
    expect([...a.alerts, ...b.alerts].map((x) => x.kind)).toEqual(['secretExpiring']);
  });

  it('warns about a Key Vault secret stored without an expiry date', async () => {
    vault.setSecret(tenant.secret.keyVaultSecretName, 'v');
    const { alerts, watch } = setup({ clock: () => T0 });
    await watch.check(tenant);
    expect(alerts.map((x) => [x.kind, x.severity])).toEqual([['secretWithoutExpiry', 'warning']]);
  });

  it('alerts critical when the secret is missing from Key Vault, keeping the vault’s error code', async () => {
    const { alerts, watch } = setup({ clock: () => T0 });
    await watch.check(tenant);
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'secretUnavailable',
        severity: 'critical',
        details: { reason: 'notFound', keyVaultCode: 'SecretNotFound' },
      }),
    ]);
  });

  it('takes the Graph end date of the secret in use when it is earlier than the vault’s', async () => {
    vault.setSecret(tenant.secret.keyVaultSecretName, 'Abc-value', {
      expiresOn: new Date(T0.getTime() + 300 * DAY),
    });
    graph.respond(200, {
      passwordCredentials: [
        { keyId: 'ours', hint: 'Abc', endDateTime: new Date(T0.getTime() + 10 * DAY).toISOString() },
        { keyId: 'old-one', hint: 'Zzz', endDateTime: new Date(T0.getTime() + 2 * DAY).toISOString() },
      ],
    });
    const { alerts, watch } = setup({ clock: () => T0, graph: true });
    const report = await watch.check(tenant);
    expect(report.earliestExpiry).toEqual(new Date(T0.getTime() + 10 * DAY));
    expect(alerts.map((x) => [x.kind, x.details?.expirySource, x.details?.thresholdDays])).toEqual([
      ['secretExpiring', 'graph', 14],
    ]);
    expect(decodeURIComponent(graph.requests.at(-1)!.url)).toContain(`appId='${CLIENT_ID}'`);
  });

  it('notes once that Graph is not granted and goes on with the vault date', async () => {
    vault.setSecret(tenant.secret.keyVaultSecretName, 'v', { expiresOn: new Date(T0.getTime() + 3 * DAY) });
    graph.respond(403, {
      error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' },
    });
    const { alerts, watch } = setup({ clock: () => T0, graph: true });
    await watch.check(tenant);
    await watch.check(tenant);
    expect(alerts.map((x) => x.kind).sort()).toEqual(['graphNotGranted', 'secretExpiring']);
  });

  it('starts afresh from an unreadable state row instead of failing', async () => {
    vault.setSecret(tenant.secret.keyVaultSecretName, 'v', { expiresOn: new Date(T0.getTime() + 20 * DAY) });
    await table.createTable();
    await table.upsertEntity({
      partitionKey: EXPIRY_STATE_PARTITION,
      rowKey: tenant.tenantId,
      state: '{broken',
    });
    const { alerts, watch } = setup({ clock: () => T0 });
    await watch.check(tenant);
    expect(alerts.map((x) => x.details?.thresholdDays)).toEqual([30]);
  });

  describe('with a real ClientSecretCredential', () => {
    let entra: EntraStandIn;
    beforeAll(async () => {
      entra = await startEntraStandIn(tenantConfig().tenantId, CLIENT_ID);
    });
    afterAll(() => entra.stop());

    it('alerts critical at once, and once, when token requests fail with AADSTS7000222', async () => {
      const t: TenantConfig = {
        ...tenant,
        tenantId: tenantConfig().tenantId,
        endpoints: { ...tenant.endpoints, authorityHost: entra.authorityHost },
      };
      // The vault still claims a long life: only Entra knows the secret is expired.
      vault.setSecret(t.secret.keyVaultSecretName, 'expired-value', {
        expiresOn: new Date(Date.now() + 200 * DAY),
      });
      entra.setSecret('expired-value', 'expired');
      const { alerts, secrets, watch } = setup();
      // Earlier runs of this shared tenant id must not mute this test.
      await table.deleteEntity(EXPIRY_STATE_PARTITION, t.tenantId).catch(() => undefined);
      const credential = new RotatingClientSecretCredential(t, secrets, {
        onTokenFailure: watch.onTokenFailure,
      });
      const results = await Promise.allSettled([
        credential.getToken('https://manage.office.com/.default'),
        credential.getToken('https://manage.office.com/.default'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      await watch.settled();
      expect(alerts).toEqual([
        expect.objectContaining({
          kind: 'secretExpired',
          severity: 'critical',
          tenantId: t.tenantId,
          details: expect.objectContaining({ aadstsCode: 'AADSTS7000222' }),
        }),
      ]);
      expect(JSON.stringify(alerts)).not.toContain('expired-value');
    });
  });
});
