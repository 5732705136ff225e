import type { z } from 'zod';
import { SECRET_REPORT_SCOPE } from '../../shared/maintenance/runMaintenance';
import { buildHealthReport } from '../../shared/maintenance/healthReport';
import type { TenantConfig } from '../../shared/config/settings';
import { tenantConfig } from '../secrets/support/tenant';

const NOW = new Date('2030-06-01T00:00:00Z');

describe('health: each tenant’s credential kind and its expiry, or "none"', () => {
  const secretTenant = tenantConfig({ tenantId: '10000000-0000-4000-8000-000000000001' });
  const certificateTenant = tenantConfig({
    tenantId: '10000000-0000-4000-8000-000000000002',
    credential: { kind: 'certificate', keyVaultCertificateName: 'mssp-cert' },
  });
  const federatedTenant = tenantConfig({
    tenantId: '10000000-0000-4000-8000-000000000003',
    credential: {
      kind: 'federated',
      audience: 'api://AzureADTokenExchange',
      managedIdentityClientId: '20000000-0000-4000-8000-000000000000',
    },
  });
  // What the maintenance run stored for health (the federated tenant has no report: nothing expires).
  const reports = new Map<string, unknown>([
    [
      secretTenant.tenantId,
      { daysLeft: 90, earliestExpiry: '2030-08-30T00:00:00.000Z', checkedAt: NOW.toISOString() },
    ],
    [
      certificateTenant.tenantId,
      { daysLeft: 5.5, earliestExpiry: '2030-06-06T12:00:00.000Z', checkedAt: NOW.toISOString() },
    ],
  ]);

  async function report(tenants: TenantConfig[]) {
    return buildHealthReport(
      {
        config: { contentTypes: [], webhook: { maxBodyBytes: 1 }, maintenance: { concurrency: 2 } },
        directory: { list: async () => tenants },
        clientFor: () => ({ listSubscriptions: async () => [] }),
        checkpoints: { listActivity: async () => [] },
        state: {
          get: async <T>(scope: string, key: string, schema: z.ZodType<T>) =>
            scope === SECRET_REPORT_SCOPE && reports.has(key) ? schema.parse(reports.get(key)) : undefined,
          set: async () => undefined,
        },
      },
      NOW,
    );
  }

  it('reports secret, certificate and federated tenants with their expiry or none', async () => {
    const r = await report([secretTenant, certificateTenant, federatedTenant]);
    expect(r.tenants.map((t) => [t.credential, t.credentialExpiresOn])).toEqual([
      ['secret', '2030-08-30T00:00:00.000Z'],
      ['certificate', '2030-06-06T12:00:00.000Z'],
      ['federated', 'none'],
    ]);
    expect(r.problems).toContain(`${certificateTenant.tenantId}: certificate expires in 5.5 day(s)`);
    expect(r.problems.some((p) => p.startsWith(federatedTenant.tenantId))).toBe(false);
  });
});
