/** A registry row that changes how a tenant signs in gets a fresh credential and client; an unchanged one reuses them. */
import { createServices } from '../../functions/services';
import { loadConfig, type TenantConfig } from '../../shared/config/settings';
import { silentLogger } from '../../shared/log';

const TENANT = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const services = createServices(
  loadConfig({
    O365_TENANT_ID: TENANT,
    O365_CLIENT_ID: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    KEY_VAULT_URL: 'https://kv-test.vault.azure.net',
    AZURE_CLIENT_ID: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  }),
  { logger: silentLogger, azureCredential: { getToken: async () => null } },
);
const tenant = services.config.tenants[0];

describe('credentials and clients per tenant', () => {
  it('reuses them for the same tenant row, even as a new object read again from the registry', () => {
    const again: TenantConfig = {
      ...tenant,
      endpoints: { ...tenant.endpoints },
      secret: { ...tenant.secret },
    };
    expect(services.credentialFor(again)).toBe(services.credentialFor(tenant));
    expect(services.clientFor(again)).toBe(services.clientFor(tenant));
  });

  it.each<[string, (t: TenantConfig) => TenantConfig]>([
    ['another app', (t) => ({ ...t, clientId: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' })],
    [
      'another Key Vault secret',
      (t) => ({ ...t, secret: { ...t.secret, keyVaultSecretName: 'other-secret' } }),
    ],
    [
      'a certificate instead of a secret',
      (t) => ({ ...t, credential: { kind: 'certificate', keyVaultCertificateName: 'o365-certificate' } }),
    ],
    [
      'a federated credential',
      (t) => ({
        ...t,
        credential: {
          kind: 'federated',
          audience: 'api://AzureADTokenExchange',
          managedIdentityClientId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
        },
      }),
    ],
    [
      'another cloud',
      (t) => ({ ...t, endpoints: { ...t.endpoints, authorityHost: 'https://login.microsoftonline.us' } }),
    ],
  ])('makes a new credential and client when the row names %s', (_what, change) => {
    const before = { credential: services.credentialFor(tenant), client: services.clientFor(tenant) };
    const changed = change(tenant);
    expect(services.credentialFor(changed)).not.toBe(before.credential);
    expect(services.clientFor(changed)).not.toBe(before.client);
  });

  it('makes a new client, not a new credential, when only the API host or publisher changes', () => {
    const credential = services.credentialFor(tenant);
    const client = services.clientFor(tenant);
    const changed = { ...tenant, publisherId: '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f' };
    expect(services.credentialFor(changed)).toBe(credential);
    expect(services.clientFor(changed)).not.toBe(client);
  });
});
