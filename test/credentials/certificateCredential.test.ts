import { SignJWT, importPKCS8 } from 'jose';
import { startKeyVaultStandIn, type KeyVaultStandIn } from '../../local/keyVaultStandIn';
import type { Simulator } from '../../local/simulator';
import type { TenantConfig } from '../../shared/config/settings';
import { RotatingClientCertificateCredential } from '../../shared/secrets/certificateCredential';
import {
  createCertificateProvider,
  FileCertificateProvider,
  KeyVaultCertificateProvider,
  type ClientCertificateProvider,
} from '../../shared/secrets/certificateProvider';
import { SecretRejectedError } from '../../shared/secrets/errors';
import {
  createKeyVaultSecretClient,
  EnvironmentSecretProvider,
  KeyVaultSecretProvider,
} from '../../shared/secrets/secretProvider';
import { StaticTokenCredential } from '../secrets/support/staticCredential';
import { CLIENT, TENANT, startTestSimulator } from '../simulator/harness';
import { makeCertificate, type TestCertificate } from './certificates';
import { claimsOf, simulatedTenant } from './support';

const DAY = 24 * 60 * 60 * 1000;
const PEM = 'application/x-pem-file';

describe('certificate credential: real ClientCertificateCredential against the simulated token endpoint', () => {
  let sim: Simulator;
  let vault: KeyVaultStandIn;
  let counter = 0;
  let name: string;
  let tenant: TenantConfig;

  beforeAll(async () => {
    [sim, vault] = await Promise.all([startTestSimulator(), startKeyVaultStandIn({ tenantId: TENANT })]);
  });
  afterAll(() => Promise.all([sim.stop(), vault.stop()]));
  beforeEach(() => {
    counter += 1;
    name = `o365-certificate-${counter}`;
    tenant = simulatedTenant(sim, TENANT, CLIENT, { kind: 'certificate', keyVaultCertificateName: name });
  });

  /** As the services make it: through the client secrets' Key Vault provider. */
  function provider(): ClientCertificateProvider {
    const client = createKeyVaultSecretClient(vault.vaultUrl, new StaticTokenCredential(), {
      disableChallengeResourceVerification: true,
    });
    return createCertificateProvider(new KeyVaultSecretProvider(client, { cacheSeconds: 3600 }));
  }

  it('reads certificates through the Key Vault provider the client secrets use, else from PEM files', () => {
    expect(provider()).toBeInstanceOf(KeyVaultCertificateProvider);
    expect(createCertificateProvider(new EnvironmentSecretProvider())).toBeInstanceOf(
      FileCertificateProvider,
    );
  });

  function store(cert: TestCertificate): void {
    vault.setSecret(name, cert.pem, { contentType: PEM, expiresOn: cert.notAfter });
  }

  it('gets an API token with the Key Vault certificate, the assertion verified with its public key', async () => {
    const cert = makeCertificate({ notAfter: new Date(Date.now() + 90 * DAY) });
    sim.addCertificate(TENANT, cert.certificatePem);
    store(cert);
    const token = await new RotatingClientCertificateCredential(tenant, provider()).getToken(
      tenant.endpoints.tokenScope,
    );
    expect(claimsOf(token.token)).toMatchObject({ tid: TENANT, appid: CLIENT, aud: sim.apiBaseUrl });
  });

  it('is refused with AADSTS700027 when the public key was never uploaded, and tells the listener', async () => {
    store(makeCertificate({ notAfter: new Date(Date.now() + 90 * DAY) }));
    const failures: (string | undefined)[] = [];
    const credential = new RotatingClientCertificateCredential(tenant, provider(), {
      onTokenFailure: (_t, code) => failures.push(code),
    });
    const error = await credential.getToken(tenant.endpoints.tokenScope).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretRejectedError);
    expect(error).toMatchObject({ aadstsCode: 'AADSTS700027', credentialKind: 'certificate' });
    expect((error as Error).message).toContain(name);
    expect(failures).toEqual(['AADSTS700027']);
  });

  it('uses a certificate renewed in Key Vault once Entra refuses the old one, without restart', async () => {
    const old = makeCertificate({ notAfter: new Date(Date.now() + 20 * DAY) });
    sim.addCertificate(TENANT, old.certificatePem);
    store(old);
    const certificates = provider();
    const credential = new RotatingClientCertificateCredential(tenant, certificates);
    await credential.getToken(tenant.endpoints.tokenScope);

    // The auto-renewal policy made a new version; the admin uploaded its key and removed the old one.
    const renewed = makeCertificate({ notAfter: new Date(Date.now() + 400 * DAY) });
    store(renewed);
    sim.addCertificate(TENANT, renewed.certificatePem);
    sim.removeCertificate(TENANT, old.thumbprint);

    // Another scope, so MSAL's cached token of the old certificate cannot answer.
    const token = await credential.getToken(`${sim.graphBaseUrl}/.default`);
    expect(claimsOf(token.token).aud).toBe(sim.graphBaseUrl);
    expect((await certificates.get(tenant)).thumbprint).toBe(renewed.thumbprint);
  });

  it('refuses a certificate whose uploaded key has expired ("The key used is expired")', async () => {
    const cert = makeCertificate({
      notBefore: new Date(Date.now() - 30 * DAY),
      notAfter: new Date(Date.now() - DAY),
    });
    sim.addCertificate(TENANT, cert.certificatePem);
    store(cert);
    await expect(
      new RotatingClientCertificateCredential(tenant, provider()).getToken(tenant.endpoints.tokenScope),
    ).rejects.toMatchObject({ aadstsCode: 'AADSTS700027', message: expect.stringMatching(/certificate/) });
  });

  it('refuses a key read as PKCS#12 with a reason naming the PEM content type, before asking Entra', async () => {
    vault.setSecret(name, 'MIIKAgIBAzCCCb4GCSqGSIb3DQEHAaCCCa8EggmrMIIJpzCCBggGCSqG', {
      contentType: 'application/x-pkcs12',
    });
    const before = sim.requests.filter((r) => r.operation === 'token').length;
    await expect(
      new RotatingClientCertificateCredential(tenant, provider()).getToken(tenant.endpoints.tokenScope),
    ).rejects.toMatchObject({
      name: 'SecretUnavailableError',
      reason: 'wrongFormat',
      message: /application\/x-pem-file/,
    });
    expect(sim.requests.filter((r) => r.operation === 'token').length).toBe(before);
  });
});

describe('simulated token endpoint: client assertions checked as Entra documents', () => {
  let sim: Simulator;
  let cert: TestCertificate;
  beforeAll(async () => {
    sim = await startTestSimulator();
    cert = makeCertificate({ notAfter: new Date(Date.now() + 30 * DAY) });
    sim.addCertificate(TENANT, cert.certificatePem);
  });
  afterAll(() => sim.stop());

  async function assertion(
    claims: { aud?: string; iss?: string; sub?: string; exp?: number },
    header: Record<string, string> = { 'x5t#S256': cert.x5tS256 },
    keyPem = cert.privateKeyPem,
    alg = 'PS256',
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: `${now}-${Math.random()}` })
      .setProtectedHeader({ alg, ...header })
      .setAudience(claims.aud ?? `${sim.authorityHost}/${TENANT}/oauth2/v2.0/token`)
      .setIssuer(claims.iss ?? CLIENT)
      .setSubject(claims.sub ?? CLIENT)
      .setNotBefore(now)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(await importPKCS8(keyPem, alg));
  }

  async function post(
    clientAssertion: string,
    type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  ) {
    const res = await fetch(`${sim.authorityHost}/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT,
        scope: `${sim.apiBaseUrl}/.default`,
        client_assertion_type: type,
        client_assertion: clientAssertion,
      }).toString(),
    });
    const body = (await res.json()) as {
      access_token?: string;
      error_codes?: number[];
      error_description?: string;
    };
    return {
      status: res.status,
      code: body.error_codes?.[0],
      description: body.error_description,
      token: body.access_token,
    };
  }

  it('accepts an RS256 assertion naming the key by its SHA-1 x5t', async () => {
    const answer = await post(await assertion({}, { x5t: cert.x5t }, cert.privateKeyPem, 'RS256'));
    expect(answer.status).toBe(200);
    expect(answer.token).toBeDefined();
  });

  it('refuses a signature made with another key under the registered thumbprint (AADSTS50013)', async () => {
    const other = makeCertificate({ notAfter: new Date(Date.now() + DAY) });
    const answer = await post(await assertion({}, { 'x5t#S256': cert.x5tS256 }, other.privateKeyPem));
    expect(answer).toMatchObject({ status: 401, code: 50013 });
  });

  it('refuses an audience other than the token endpoint (AADSTS50027)', async () => {
    const answer = await post(
      await assertion({ aud: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' }),
    );
    expect(answer).toMatchObject({ status: 400, code: 50027 });
    expect(answer.description).toMatch(/aud/);
  });

  it('refuses iss/sub that are not the client id (AADSTS700021)', async () => {
    const answer = await post(await assertion({ iss: 'ffffffff-ffff-4fff-8fff-ffffffffffff' }));
    expect(answer).toMatchObject({ status: 400, code: 700021 });
  });

  it('refuses an expired assertion (AADSTS700024)', async () => {
    const answer = await post(await assertion({ exp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(answer).toMatchObject({ status: 400, code: 700024 });
  });

  it('refuses an unknown thumbprint (AADSTS700027, the key was not found)', async () => {
    const answer = await post(await assertion({}, { 'x5t#S256': Buffer.alloc(32).toString('base64url') }));
    expect(answer).toMatchObject({ status: 401, code: 700027 });
    expect(answer.description).toMatch(/The key was not found/);
  });

  it('refuses a wrong client_assertion_type and a token that is not a JWT', async () => {
    expect(await post(await assertion({}), 'urn:ietf:params:oauth:grant-type:jwt-bearer')).toMatchObject({
      code: 50027,
    });
    expect(await post('not-a-jwt')).toMatchObject({ status: 400, code: 50027 });
  });
});
