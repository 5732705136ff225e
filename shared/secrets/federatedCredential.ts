/**
 * The TokenCredential of a federated tenant: no secret at all. The app registration trusts the
 * Function's user-assigned managed identity through a federated identity credential; we ask the
 * identity for a token for the token-exchange audience and hand it to Entra as the client
 * assertion of the app, for the customer tenant (ClientAssertionCredential).
 */
import { ClientAssertionCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { credentialOf, type TenantConfig, type TenantFederatedSource } from '../config/settings';

export function federatedSourceOf(tenant: TenantConfig): TenantFederatedSource {
  const source = credentialOf(tenant);
  if (source.kind !== 'federated') {
    throw new Error(`tenant ${tenant.tenantId} uses a ${source.kind} credential, not a federated one`);
  }
  return source;
}

/** The managed identity of AZURE_CLIENT_ID; tests give their own assertion source instead. */
export function createManagedIdentityAssertionSource(clientId: string): TokenCredential {
  return new ManagedIdentityCredential({ clientId });
}

export function createFederatedCredential(
  tenant: TenantConfig,
  assertionSource: TokenCredential,
): TokenCredential {
  const { audience } = federatedSourceOf(tenant);
  const getAssertion = async (): Promise<string> => {
    const token = await assertionSource.getToken(`${audience}/.default`);
    if (!token) throw new Error(`the managed identity gave no token for ${audience}`);
    return token.token;
  };
  return new ClientAssertionCredential(tenant.tenantId, tenant.clientId, getAssertion, {
    authorityHost: tenant.endpoints.authorityHost,
    disableInstanceDiscovery: true,
  });
}
