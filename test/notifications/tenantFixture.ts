/** Two configured tenants and the real contentUri guard, as the composition root wires them. */
import { loadConfig, type AppConfig, type TenantConfig } from '../../shared/config/settings';

export { checkContentUri } from '../../functions/services';

export const TENANT_ID = '0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b';
export const CLIENT_ID = '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d';
export const OTHER_TENANT_ID = '7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b';
export const OTHER_CLIENT_ID = '2b3c4d5e-6f7a-4b9c-8d1e-2f3a4b5c6d7e';
export const AUTH_ID = 'notification-auth-id-for-tests-5f0c2a9e';

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    O365_TENANTS: JSON.stringify([
      { tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecretSetting: 'SECRET_ONE' },
      { tenantId: OTHER_TENANT_ID, clientId: OTHER_CLIENT_ID, clientSecretSetting: 'SECRET_TWO' },
    ]),
    SECRET_ONE: 'one',
    SECRET_TWO: 'two',
    WEBHOOK_AUTH_ID: AUTH_ID,
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    ...overrides,
  });
}

export function contentUriFor(tenant: TenantConfig, contentId: string): string {
  return `${tenant.endpoints.apiBaseUrl}/api/v1.0/${tenant.tenantId}/activity/feed/audit/${contentId}`;
}

/** A notification item as Microsoft sends it, for the first tenant unless told otherwise. */
export function notificationItem(
  config: AppConfig,
  overrides: Record<string, unknown> = {},
  tenantIndex = 0,
): Record<string, unknown> {
  const tenant = config.tenants[tenantIndex];
  const contentId = (overrides.contentId as string | undefined) ?? `20240501${tenantIndex}$blob$01`;
  return {
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    contentType: 'Audit.SharePoint',
    contentId,
    contentUri: contentUriFor(tenant, contentId),
    contentCreated: '2024-05-01T10:00:00.000Z',
    contentExpiration: '2024-05-08T10:00:00.000Z',
    ...overrides,
  };
}
