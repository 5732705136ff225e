import { ManagedIdentityCredential } from '@azure/identity';
import {
  startIdentityEndpointStandIn,
  type IdentityEndpointStandIn,
} from '../../local/identityEndpointStandIn';
import type { Simulator } from '../../local/simulator';
import { TOKEN_EXCHANGE_AUDIENCES } from '../../shared/config/clouds';
import type { TenantConfig } from '../../shared/config/settings';
import { createFederatedCredential } from '../../shared/secrets/federatedCredential';
import { CLIENT, OTHER_TENANT, TENANT, startTestSimulator } from '../simulator/harness';
import { claimsOf, simulatedTenant } from './support';

// The vendor's tenant, where the app and the Function's user-assigned identity live.
const HOME_TENANT = '0a0a0a0a-1111-4222-8333-444444444444';
const IDENTITY_CLIENT_ID = '5e5e5e5e-6666-4777-8888-999999999999';
const IDENTITY_PRINCIPAL_ID = '7c7c7c7c-aaaa-4bbb-8ccc-dddddddddddd';
const AUDIENCE = TOKEN_EXCHANGE_AUDIENCES.Commercial;

describe('federated credential: managed-identity assertion exchanged with ClientAssertionCredential', () => {
  let sim: Simulator;
  let identity: IdentityEndpointStandIn;
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    sim = await startTestSimulator({
      tenants: [
        // One multi-tenant app consented in two customer tenants: same client id, one credential.
        { tenantId: TENANT, clientId: CLIENT, clientSecret: 'unused-1' },
        { tenantId: OTHER_TENANT, clientId: CLIENT, clientSecret: 'unused-2' },
      ],
    });
    identity = await startIdentityEndpointStandIn({
      tenantId: HOME_TENANT,
      clientId: IDENTITY_CLIENT_ID,
      principalId: IDENTITY_PRINCIPAL_ID,
      issuer: `${sim.authorityHost}/${HOME_TENANT}/v2.0`,
    });
    sim.trustIssuer(identity.issuer, identity.publicKeyPem);
    for (const tenantId of [TENANT, OTHER_TENANT]) {
      sim.addFederatedCredential(tenantId, {
        issuer: identity.issuer,
        subject: IDENTITY_PRINCIPAL_ID,
        audiences: [AUDIENCE],
      });
    }
    // What App Service / Functions give a process with a managed identity.
    process.env.IDENTITY_ENDPOINT = identity.endpoint;
    process.env.IDENTITY_HEADER = identity.header;
  });
  afterAll(async () => {
    process.env.IDENTITY_ENDPOINT = saved.endpoint;
    process.env.IDENTITY_HEADER = saved.header;
    if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
    if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
    await Promise.all([sim.stop(), identity.stop()]);
  });

  function tenantFor(tenantId: string): TenantConfig {
    return simulatedTenant(sim, tenantId, CLIENT, {
      kind: 'federated',
      audience: AUDIENCE,
      managedIdentityClientId: IDENTITY_CLIENT_ID,
    });
  }

  it('gets customer-tenant tokens with the real ManagedIdentityCredential behind IDENTITY_ENDPOINT, for every consented tenant', async () => {
    const managedIdentity = new ManagedIdentityCredential({ clientId: IDENTITY_CLIENT_ID });
    for (const tenantId of [TENANT, OTHER_TENANT]) {
      const tenant = tenantFor(tenantId);
      const token = await createFederatedCredential(tenant, managedIdentity).getToken(
        tenant.endpoints.tokenScope,
      );
      expect(claimsOf(token?.token ?? '')).toMatchObject({
        tid: tenantId,
        appid: CLIENT,
        aud: sim.apiBaseUrl,
      });
    }
    expect(identity.requests.map((r) => [r.resource, r.clientId, r.status])).toContainEqual([
      AUDIENCE,
      IDENTITY_CLIENT_ID,
      200,
    ]);
  });

  it('is refused with AADSTS70021 when the app trusts no credential with that subject', async () => {
    const stranger = await startIdentityEndpointStandIn({
      tenantId: HOME_TENANT,
      clientId: IDENTITY_CLIENT_ID,
      principalId: '00000000-aaaa-4bbb-8ccc-000000000000',
      issuer: identity.issuer,
    });
    try {
      sim.trustIssuer(stranger.issuer, stranger.publicKeyPem);
      const tenant = tenantFor(TENANT);
      const credential = createFederatedCredential(tenant, {
        getToken: async (scope) => ({
          token: await stranger.issue(String(scope).replace(/\/\.default$/, '')),
          expiresOnTimestamp: Date.now() + 3600_000,
        }),
      });
      await expect(credential.getToken(tenant.endpoints.tokenScope)).rejects.toThrow(/AADSTS70021/);
    } finally {
      await stranger.stop();
    }
  });

  it('is refused with AADSTS50013 when the assertion is signed by a key the issuer is not trusted for', async () => {
    const impostor = await startIdentityEndpointStandIn({
      tenantId: HOME_TENANT,
      clientId: IDENTITY_CLIENT_ID,
      principalId: IDENTITY_PRINCIPAL_ID,
      issuer: identity.issuer,
    });
    try {
      const tenant = tenantFor(TENANT);
      const credential = createFederatedCredential(tenant, {
        getToken: async () => ({
          token: await impostor.issue(AUDIENCE),
          expiresOnTimestamp: Date.now() + 3600_000,
        }),
      });
      await expect(credential.getToken(tenant.endpoints.tokenScope)).rejects.toThrow(/AADSTS50013/);
    } finally {
      await impostor.stop();
    }
  });

  it('is refused with AADSTS70021 when the token is for another audience (wrong cloud)', async () => {
    const tenant = simulatedTenant(sim, TENANT, CLIENT, {
      kind: 'federated',
      audience: TOKEN_EXCHANGE_AUDIENCES.GCCHigh,
      managedIdentityClientId: IDENTITY_CLIENT_ID,
    });
    const credential = createFederatedCredential(
      tenant,
      new ManagedIdentityCredential({ clientId: IDENTITY_CLIENT_ID }),
    );
    await expect(credential.getToken(tenant.endpoints.tokenScope)).rejects.toThrow(/AADSTS70021/);
  });
});
