import type { TenantConfig } from '../../../shared/config/settings';

export const TENANT_ID = '11111111-2222-3333-4444-555555555555';
export const CLIENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export function tenantConfig(overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    tenantId: TENANT_ID,
    clientId: CLIENT_ID,
    cloud: 'Commercial',
    endpoints: {
      apiBaseUrl: 'https://manage.office.com',
      authorityHost: 'https://login.microsoftonline.com',
      tokenScope: 'https://manage.office.com/.default',
      graphBaseUrl: 'https://graph.microsoft.com',
    },
    secret: { keyVaultSecretName: 'o365-client-secret' },
    publisherId: TENANT_ID,
    ...overrides,
  };
}
