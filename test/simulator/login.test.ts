import { ClientSecretCredential } from '@azure/identity';
import type { Simulator } from '../../local/simulator';
import { CLIENT, SECRET, TENANT, startTestSimulator } from './harness';

function credential(sim: Simulator, secret = SECRET, clientId = CLIENT): ClientSecretCredential {
  return new ClientSecretCredential(TENANT, clientId, secret, {
    authorityHost: sim.authorityHost,
    disableInstanceDiscovery: true,
  });
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

async function tokenError(sim: Simulator, form: Record<string, string>, tenant = TENANT) {
  const res = await fetch(`${sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: string; error_description: string; error_codes: number[] },
  };
}

describe('simulated login authority', () => {
  let sim: Simulator;
  let now: Date;
  beforeEach(async () => {
    now = new Date('2025-03-01T12:00:00Z');
    sim = await startTestSimulator({ clock: () => now });
  });
  afterEach(() => sim.stop());

  it('gives the real ClientSecretCredential a JWT-shaped token for the API with tenant, app and roles', async () => {
    const token = await credential(sim).getToken(`${sim.apiBaseUrl}/.default`);
    const claims = claimsOf(token.token);
    expect(claims.tid).toBe(TENANT);
    expect(claims.aud).toBe(sim.apiBaseUrl);
    expect(claims.appid).toBe(CLIENT);
    expect(claims.roles).toEqual(
      expect.arrayContaining([
        'ActivityFeed.Read',
        'ActivityFeed.ReadDlp',
        'ActivityReports.Read',
        'ServiceHealth.Read',
      ]),
    );
    expect(claims.exp).toBe(Math.floor(now.getTime() / 1000) + 3599);
    const paths = sim.requests.filter((r) => r.listener === 'login').map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain(`GET /${TENANT}/v2.0/.well-known/openid-configuration`);
    expect(paths).toContain(`POST /${TENANT}/oauth2/v2.0/token`);
  });

  it('issues a Graph token without roles unless Application.Read.All is granted', async () => {
    const token = await credential(sim).getToken(`${sim.graphBaseUrl}/.default`);
    const claims = claimsOf(token.token);
    expect(claims.aud).toBe(sim.graphBaseUrl);
    expect(claims.roles).toBeUndefined();
  });

  it('rejects a wrong secret with AADSTS7000215 surfaced through ClientSecretCredential', async () => {
    await expect(credential(sim, 'not-the-secret').getToken(`${sim.apiBaseUrl}/.default`)).rejects.toThrow(
      /AADSTS7000215/,
    );
    const { status, body } = await tokenError(sim, {
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_secret: 'nope',
      scope: `${sim.apiBaseUrl}/.default`,
    });
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(body.error_description).toMatch(/^AADSTS7000215: /);
  });

  it('rejects an expired secret with AADSTS7000222 once the clock passes secretExpiresAt', async () => {
    sim.setClientSecret(TENANT, SECRET, new Date(now.getTime() + 60_000));
    await expect(credential(sim).getToken(`${sim.apiBaseUrl}/.default`)).resolves.toBeDefined();
    now = new Date(now.getTime() + 120_000);
    await expect(credential(sim).getToken(`${sim.apiBaseUrl}/.default`)).rejects.toThrow(/AADSTS7000222/);
    const { status, body } = await tokenError(sim, {
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_secret: SECRET,
      scope: `${sim.apiBaseUrl}/.default`,
    });
    expect(status).toBe(401);
    expect(body.error_codes).toEqual([7000222]);
  });

  it('after rotation accepts only the new secret', async () => {
    sim.setClientSecret(TENANT, 'second-secret');
    await expect(credential(sim, SECRET).getToken(`${sim.apiBaseUrl}/.default`)).rejects.toThrow(
      /AADSTS7000215/,
    );
    const token = await credential(sim, 'second-secret').getToken(`${sim.apiBaseUrl}/.default`);
    expect(claimsOf(token.token).tid).toBe(TENANT);
  });

  it('rejects an unknown client id with AADSTS700016', async () => {
    const { status, body } = await tokenError(sim, {
      grant_type: 'client_credentials',
      client_id: '00000000-0000-4000-8000-000000000001',
      client_secret: SECRET,
      scope: `${sim.apiBaseUrl}/.default`,
    });
    expect(status).toBe(400);
    expect(body.error).toBe('unauthorized_client');
    expect(body.error_codes).toEqual([700016]);
  });

  it('rejects an unknown tenant, a foreign scope, a missing scope and another grant type', async () => {
    const base = { grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET };
    const unknownTenant = await tokenError(
      sim,
      { ...base, scope: `${sim.apiBaseUrl}/.default` },
      '00000000-0000-4000-8000-0000000000ff',
    );
    expect(unknownTenant.body.error_codes).toEqual([90002]);
    const foreign = await tokenError(sim, { ...base, scope: 'https://manage.office.com/.default' });
    expect(foreign.body.error_codes).toEqual([500011]);
    const missing = await tokenError(sim, base);
    expect(missing.body.error_codes).toEqual([900144]);
    const grant = await tokenError(sim, {
      ...base,
      grant_type: 'password',
      scope: `${sim.apiBaseUrl}/.default`,
    });
    expect(grant.body.error).toBe('unsupported_grant_type');
  });

  it('answers the v1 endpoint with the resource form and string numbers', async () => {
    const res = await fetch(`${sim.authorityHost}/${TENANT}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT,
        client_secret: SECRET,
        resource: sim.apiBaseUrl,
      }).toString(),
    });
    const body = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(200);
    expect(body.expires_in).toBe('3599');
    expect(body.resource).toBe(sim.apiBaseUrl);
    expect(claimsOf(body.access_token).aud).toBe(sim.apiBaseUrl);
  });

  it('never records the secret or the token in the request log', async () => {
    await credential(sim).getToken(`${sim.apiBaseUrl}/.default`);
    const dump = JSON.stringify(sim.requests);
    expect(dump).not.toContain(SECRET);
  });
});
