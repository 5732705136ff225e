import { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { startKeyVaultStandIn, type KeyVaultStandIn } from '../../local/keyVaultStandIn';
import type { Alert } from '../../shared/alerts/model';
import type { TenantConfig } from '../../shared/config/settings';
import { memoryLogger } from '../../shared/log';
import { KeyVaultCertificateProvider } from '../../shared/secrets/certificateProvider';
import { TableExpiryStateStore } from '../../shared/secrets/expiryStateStore';
import { SecretExpiryWatch } from '../../shared/secrets/expiryWatch';
import { createKeyVaultSecretClient, KeyVaultSecretProvider } from '../../shared/secrets/secretProvider';
import { StaticTokenCredential } from '../secrets/support/staticCredential';
import { tenantConfig } from '../secrets/support/tenant';
import { makeCertificate } from './certificates';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2030-06-01T00:00:00Z');
const PEM = 'application/x-pem-file';

describe('certificate expiry: the same thresholds and alerts as client secrets', () => {
  let azurite: AzuriteInstance;
  let vault: KeyVaultStandIn;
  let table: TableClient;
  let counter = 0;
  let tenant: TenantConfig;
  let name: string;

  beforeAll(async () => {
    [azurite, vault] = await Promise.all([startAzurite(), startKeyVaultStandIn()]);
    table = TableClient.fromConnectionString(azurite.connectionString, 'o365state', {
      allowInsecureConnection: true,
    });
  });
  afterAll(() => Promise.all([azurite?.stop(), vault?.stop()]));
  beforeEach(() => {
    counter += 1;
    name = `o365-certificate-${counter}`;
    tenant = tenantConfig({
      tenantId: `33333333-0000-0000-0000-${String(counter).padStart(12, '0')}`,
      credential: { kind: 'certificate', keyVaultCertificateName: name },
    });
  });

  function setup(clock: () => Date) {
    const alerts: Alert[] = [];
    const client = createKeyVaultSecretClient(vault.vaultUrl, new StaticTokenCredential(), {
      disableChallengeResourceVerification: true,
    });
    const secrets = new KeyVaultSecretProvider(client, { cacheSeconds: 0 });
    const watch = new SecretExpiryWatch({
      secrets,
      certificates: new KeyVaultCertificateProvider(secrets),
      store: new TableExpiryStateStore(table),
      alerter: { raise: async (a) => void alerts.push(a) },
      logger: memoryLogger(),
      thresholdsDays: [30, 14, 7, 1],
      clock,
    });
    return { alerts, watch };
  }

  function storeCertificate(daysFromT0: number): string {
    const cert = makeCertificate({ notAfter: new Date(T0.getTime() + daysFromT0 * DAY) });
    vault.setSecret(name, cert.pem, { contentType: PEM, expiresOn: cert.notAfter });
    return cert.thumbprint;
  }

  it('alerts certificateExpiring at each threshold once, then certificateExpired, dated by the certificate itself', async () => {
    let now = T0;
    storeCertificate(20);
    const { watch } = setup(() => now);
    const seen: string[] = [];
    for (const day of [0, 1, 6, 13, 14, 19.5, 21]) {
      now = new Date(T0.getTime() + day * DAY);
      const report = await watch.check(tenant);
      expect(report.credentialKind).toBe('certificate');
      seen.push(...report.alerts.map((a) => `${day}:${a.kind}:${a.severity}`));
    }
    expect(seen).toEqual([
      '0:certificateExpiring:warning',
      '6:certificateExpiring:warning',
      '13:certificateExpiring:error',
      '19.5:certificateExpiring:critical',
      '21:certificateExpired:critical',
    ]);
  });

  it('names the certificate and what to do in the alert, with the thumbprint and never the key', async () => {
    const thumbprint = storeCertificate(10);
    const { watch } = setup(() => T0);
    const [alert] = (await watch.check(tenant)).alerts;
    expect(alert.message).toMatch(/^The certificate expires in 10 days/);
    expect(alert.message).toMatch(/upload the new certificate's public key to the app registration/);
    expect(JSON.stringify(alert.details)).toContain(thumbprint);
    expect(JSON.stringify(alert)).not.toMatch(/PRIVATE KEY/);
  });

  it('re-arms the thresholds when the auto-renewal policy stores a new version', async () => {
    let now = T0;
    storeCertificate(10);
    const { watch } = setup(() => now);
    expect((await watch.check(tenant)).alerts.map((a) => a.kind)).toEqual(['certificateExpiring']);
    storeCertificate(375);
    now = new Date(T0.getTime() + DAY);
    const renewed = await watch.check(tenant);
    expect(renewed.alerts).toEqual([]);
    expect(Math.round(renewed.daysLeft ?? 0)).toBe(374);
    now = new Date(T0.getTime() + 350 * DAY);
    expect((await watch.check(tenant)).alerts.map((a) => a.details?.thresholdDays)).toEqual([30]);
  });

  it('raises certificateRejected at once when Entra refuses the certificate (AADSTS700027)', async () => {
    storeCertificate(200);
    const { watch, alerts } = setup(() => T0);
    watch.onTokenFailure(tenant, 'AADSTS700027', new Error('AADSTS700027: key not found'));
    watch.onTokenFailure(tenant, 'AADSTS7000215', new Error('a secret code is not about certificates'));
    await watch.settled();
    expect(alerts.map((a) => [a.kind, a.severity])).toEqual([['certificateRejected', 'critical']]);
  });

  it('raises certificateUnavailable when the vault holds the certificate as PKCS#12', async () => {
    vault.setSecret(name, 'MIIKAgIBAzCCCb4GCSqGSIb3DQEHAaCCCa8E', { contentType: 'application/x-pkcs12' });
    const { watch } = setup(() => T0);
    const [alert] = (await watch.check(tenant)).alerts;
    expect(alert).toMatchObject({ kind: 'certificateUnavailable', severity: 'critical' });
    expect(alert.message).toMatch(/application\/x-pem-file/);
  });

  it('reports a federated tenant as having nothing to renew, without alerts or state', async () => {
    const federated = tenantConfig({
      tenantId: '44444444-0000-0000-0000-000000000001',
      credential: {
        kind: 'federated',
        audience: 'api://AzureADTokenExchange',
        managedIdentityClientId: '55555555-0000-0000-0000-000000000001',
      },
    });
    const { watch, alerts } = setup(() => T0);
    const report = await watch.check(federated);
    expect(report).toMatchObject({ credentialKind: 'federated', alerts: [], sources: [] });
    expect(report.daysLeft).toBeUndefined();
    watch.onTokenFailure(federated, 'AADSTS70021', new Error('no matching federated identity record'));
    await watch.settled();
    expect(alerts).toEqual([]);
  });
});
