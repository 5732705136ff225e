import type { TenantConfig, TenantCredentialSource } from '../../shared/config/settings';
import type { Simulator } from '../../local/simulator';

/** A TenantConfig pointed at the simulated tenant, with the credential under test. */
export function simulatedTenant(
  sim: Simulator,
  tenantId: string,
  clientId: string,
  credential: TenantCredentialSource,
): TenantConfig {
  return {
    tenantId,
    clientId,
    cloud: 'Commercial',
    endpoints: {
      apiBaseUrl: sim.apiBaseUrl,
      authorityHost: sim.authorityHost,
      tokenScope: `${sim.apiBaseUrl}/.default`,
      graphBaseUrl: sim.graphBaseUrl,
    },
    secret: { keyVaultSecretName: 'unused-client-secret' },
    credential,
    publisherId: tenantId,
  };
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
