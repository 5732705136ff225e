/** check-secret with a certificate tenant and a federated one, through the CLI against the simulated tenant. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import {
  startIdentityEndpointStandIn,
  type IdentityEndpointStandIn,
} from '../../local/identityEndpointStandIn';
import type { Simulator } from '../../local/simulator';
import { runCli } from '../maintenance/world';
import { uniqueName } from '../storage/azuriteFixture';
import { CLIENT, OTHER_CLIENT, OTHER_TENANT, TENANT, startTestSimulator } from '../simulator/harness';
import { makeCertificate, type TestCertificate } from './certificates';

const HOME_TENANT = '0a0a0a0a-1111-4222-8333-444444444444';
const IDENTITY_CLIENT_ID = '5e5e5e5e-6666-4777-8888-999999999999';
const IDENTITY_PRINCIPAL_ID = '7c7c7c7c-aaaa-4bbb-8ccc-dddddddddddd';
const DAY = 24 * 60 * 60 * 1000;

describe('check-secret reports each tenant’s credential kind and its expiry or none', () => {
  let sim: Simulator;
  let azurite: AzuriteInstance;
  let identity: IdentityEndpointStandIn;
  let cert: TestCertificate;
  let pemPath: string;
  const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

  beforeAll(async () => {
    [sim, azurite] = await Promise.all([startTestSimulator(), startAzurite()]);
    identity = await startIdentityEndpointStandIn({
      tenantId: HOME_TENANT,
      clientId: IDENTITY_CLIENT_ID,
      principalId: IDENTITY_PRINCIPAL_ID,
      issuer: `${sim.authorityHost}/${HOME_TENANT}/v2.0`,
    });
    sim.trustIssuer(identity.issuer, identity.publicKeyPem);
    sim.addFederatedCredential(OTHER_TENANT, {
      issuer: identity.issuer,
      subject: IDENTITY_PRINCIPAL_ID,
      audiences: ['api://AzureADTokenExchange'],
    });
    cert = makeCertificate({ notAfter: new Date(Date.now() + 45 * DAY) });
    sim.addCertificate(TENANT, cert.certificatePem);
    pemPath = path.join(mkdtempSync(path.join(tmpdir(), 'o365-cert-')), 'app.pem');
    writeFileSync(pemPath, cert.pem, { mode: 0o600 });
    process.env.IDENTITY_ENDPOINT = identity.endpoint;
    process.env.IDENTITY_HEADER = identity.header;
  });
  afterAll(async () => {
    if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
    else process.env.IDENTITY_ENDPOINT = saved.endpoint;
    if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
    else process.env.IDENTITY_HEADER = saved.header;
    await Promise.all([sim?.stop(), azurite?.stop(), identity?.stop()]);
  });

  function env(certificatePath: string): Record<string, string> {
    return {
      O365_TENANTS: JSON.stringify([
        { tenantId: TENANT, clientId: CLIENT, credential: 'certificate', certificatePath },
        { tenantId: OTHER_TENANT, clientId: OTHER_CLIENT, credential: 'federated' },
      ]),
      AZURE_CLIENT_ID: IDENTITY_CLIENT_ID,
      O365_API_BASE_URL: sim.apiBaseUrl,
      O365_AUTHORITY_HOST: sim.authorityHost,
      O365_GRAPH_BASE_URL: sim.graphBaseUrl,
      AzureWebJobsStorage: azurite.connectionString,
      STATE_TABLE_NAME: uniqueName('ckstate'),
      TENANTS_TABLE_NAME: uniqueName('cktenants'),
      LEDGER_TABLE_NAME: uniqueName('ckledger'),
      CONTENT_QUEUE_NAME: uniqueName('ck', 'queue'),
    };
  }

  it('prints a certificate’s days left and a federated credential’s "none", with a token for each', async () => {
    const result = await runCli(['check-secret'], env(pemPath));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^${TENANT}: token ok; credential certificate; expires in 4[45]\\.\\d day\\(s\\) \\(${cert.notAfter.toISOString()}\\)$`,
      ),
    );
    expect(lines[1]).toBe(
      `${OTHER_TENANT}: token ok; credential federated; expiry none: nothing to renew (the managed identity is trusted by a federated credential)`,
    );
  });

  it('fails with one line naming the certificate file when it cannot be read', async () => {
    const result = await runCli(['check-secret', '--tenant', TENANT], env('/nonexistent/app.pem'));
    expect(result.code).toBe(1);
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error: ')),
    ).toEqual([expect.stringMatching(/\/nonexistent\/app\.pem/)]);
  });
});
