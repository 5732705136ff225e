/**
 * The app's client-secret credential for one tenant. Instance discovery is off so the same code
 * works for every sovereign cloud and for the local stand-in authority (which must be https).
 */
import { ClientSecretCredential, TokenCredential } from '@azure/identity';
import type { TenantConfig } from '../config/settings';

export function createClientSecretCredential(
  tenant: Pick<TenantConfig, 'tenantId' | 'clientId' | 'endpoints'>,
  secret: string,
): TokenCredential {
  return new ClientSecretCredential(tenant.tenantId, tenant.clientId, secret, {
    authorityHost: tenant.endpoints.authorityHost,
    disableInstanceDiscovery: true,
  });
}
