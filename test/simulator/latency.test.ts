import { startSimulator } from '../../local/simulator';
import { OTHER_CLIENT, OTHER_TENANT, TENANT, call, feedUrl, startTestSimulator, tokenFor } from './harness';

describe('answer latency and a hanging tenant', () => {
  it("never answers a hanging tenant's API while its token endpoint and the other tenants answer", async () => {
    const sim = await startTestSimulator({
      latency: { baseMs: 1, jitterMs: 2, tenants: { [TENANT]: 'hang' } },
    });
    try {
      const token = await tokenFor(sim);
      const hung = call(feedUrl(sim, 'subscriptions/list'), token, { signal: AbortSignal.timeout(300) });
      await expect(hung).rejects.toThrow(/aborted due to timeout/);

      const other = await tokenFor(sim, 'api', OTHER_TENANT, OTHER_CLIENT, 'other-secret');
      expect((await call(feedUrl(sim, 'subscriptions/list', {}, OTHER_TENANT), other)).status).toBe(200);

      sim.setLatency(undefined);
      expect((await call(feedUrl(sim, 'subscriptions/list'), token)).status).toBe(200);
    } finally {
      await sim.stop();
    }
  });

  it('refuses a negative or non-numeric latency', async () => {
    await expect(startTestSimulator({ latency: { baseMs: -1 } })).rejects.toThrow(/baseMs/);
    const sim = await startTestSimulator();
    try {
      expect(() => sim.setLatency({ tenants: { [TENANT]: Number.NaN } })).toThrow(`of tenant ${TENANT}`);
    } finally {
      await sim.stop();
    }
  });

  it('lets stop() end a request that hangs', async () => {
    const sim = await startSimulator({
      tenants: [{ tenantId: TENANT, clientId: OTHER_CLIENT, clientSecret: 's' }],
      latency: { tenants: { [TENANT]: 'hang' } },
    });
    const token = await tokenFor(sim, 'api', TENANT, OTHER_CLIENT, 's');
    const hung = call(feedUrl(sim, 'subscriptions/list'), token);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sim.stop();
    await expect(hung).rejects.toThrow();
  });
});
