import type { Simulator } from '../../local/simulator';
import { CLIENT, SECRET, TENANT, call, startTestSimulator, tokenFor } from './harness';

describe('simulated Microsoft Graph', () => {
  let sim: Simulator;
  afterEach(() => sim.stop());

  const appUrl = (s: Simulator, appId = CLIENT) =>
    `${s.graphBaseUrl}/v1.0/applications(appId='${appId}')?$select=passwordCredentials`;

  it('answers 403 Authorization_RequestDenied without Application.Read.All', async () => {
    sim = await startTestSimulator();
    const answer = await call(appUrl(sim), await tokenFor(sim, 'graph'));
    expect(answer.status).toBe(403);
    expect((answer.json as { error: { code: string } }).error.code).toBe('Authorization_RequestDenied');
  });

  it('reports the current secret with its expiry when the permission is granted, and follows rotation', async () => {
    const expires = new Date('2026-01-31T00:00:00Z');
    sim = await startTestSimulator({
      tenants: [
        {
          tenantId: TENANT,
          clientId: CLIENT,
          clientSecret: SECRET,
          secretExpiresAt: expires,
          graphPermissionGranted: true,
        },
      ],
      clock: () => new Date('2025-06-01T00:00:00Z'),
    });
    const token = await tokenFor(sim, 'graph');
    const answer = await call(appUrl(sim), token);
    expect(answer.status).toBe(200);
    const creds = (
      answer.json as { passwordCredentials: { endDateTime: string; keyId: string; hint: string }[] }
    ).passwordCredentials;
    expect(creds).toHaveLength(1);
    expect(creds[0].endDateTime).toBe(expires.toISOString());
    expect(JSON.stringify(answer.json)).not.toContain(SECRET);

    sim.setClientSecret(TENANT, 'rotated-secret', new Date('2027-01-01T00:00:00Z'));
    const after = await call(appUrl(sim), token);
    const rotated = (after.json as { passwordCredentials: { endDateTime: string; keyId: string }[] })
      .passwordCredentials;
    expect(rotated[0].endDateTime).toBe('2027-01-01T00:00:00.000Z');
    expect(rotated[0].keyId).not.toBe(creds[0].keyId);
  });

  it('reports what setGraphPassword says, and 404 for another app', async () => {
    sim = await startTestSimulator({
      tenants: [{ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, graphPermissionGranted: true }],
    });
    sim.setGraphPassword(TENANT, [
      { keyId: 'k1', displayName: 'old', endDateTime: '2025-01-01T00:00:00Z' },
      { keyId: 'k2', endDateTime: '2026-06-01T00:00:00Z' },
    ]);
    const token = await tokenFor(sim, 'graph');
    const answer = await call(appUrl(sim), token);
    const creds = (answer.json as { passwordCredentials: { keyId: string; endDateTime: string }[] })
      .passwordCredentials;
    expect(creds.map((c) => [c.keyId, c.endDateTime])).toEqual([
      ['k1', '2025-01-01T00:00:00Z'],
      ['k2', '2026-06-01T00:00:00Z'],
    ]);
    const other = await call(appUrl(sim, '00000000-0000-4000-8000-000000000009'), token);
    expect(other.status).toBe(404);
  });

  it('answers 401 without a token and to an API token', async () => {
    sim = await startTestSimulator();
    expect((await call(appUrl(sim), undefined)).status).toBe(401);
    expect((await call(appUrl(sim), await tokenFor(sim, 'api'))).status).toBe(401);
  });

  it('throttles on demand', async () => {
    sim = await startTestSimulator();
    sim.faults.add({ operation: 'graph', kind: 'throttle-429', retryAfterSeconds: 2 });
    const answer = await call(appUrl(sim), await tokenFor(sim, 'graph'));
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('2');
  });
});
