/** The health report's degraded paths, each alone, over in-memory sources. */
import type { z } from 'zod';
import type { TenantConfig } from '../../shared/config/settings';
import { buildHealthReport, type HealthSources } from '../../shared/maintenance/healthReport';

const TENANT = '3a1c9d2e-5b4f-4c6d-8e7f-901a2b3c4d5e';
const NOW = new Date('2024-05-10T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

interface World {
  poison: number;
  secretDaysLeft?: number;
  checkpointMinutesAgo: number;
}

function sourcesFor(world: World): HealthSources {
  const tenant = { tenantId: TENANT, clientId: 'c' } as TenantConfig;
  return {
    config: {
      contentTypes: ['Audit.General'],
      webhook: { address: 'https://receiver.example.net/api/webhook', maxBodyBytes: 1024 },
      maintenance: { concurrency: 4 },
    },
    directory: { list: async () => [tenant] },
    clientFor: () => ({
      listSubscriptions: async () => [
        {
          contentType: 'Audit.General',
          status: 'enabled',
          webhook: {
            status: 'enabled',
            address: 'https://receiver.example.net/api/webhook',
            authId: null,
            expiration: null,
          },
        },
      ],
    }),
    checkpoints: {
      listActivity: async () => [
        {
          tenantId: TENANT,
          contentType: 'Audit.General',
          lastContentCreatedEnd: minutesAgo(world.checkpointMinutesAgo),
          updatedAt: minutesAgo(world.checkpointMinutesAgo),
          lastBackfillAt: minutesAgo(world.checkpointMinutesAgo),
        },
      ],
    },
    state: {
      get: async <T>(_scope: string, _key: string, schema: z.ZodType<T>) =>
        world.secretDaysLeft === undefined
          ? undefined
          : schema.parse({ daysLeft: world.secretDaysLeft, checkedAt: minutesAgo(10) }),
      set: async () => undefined,
    },
    queue: { depth: async () => ({ queued: 0, poison: world.poison }) },
  };
}

const healthy: World = { poison: 0, secretDaysLeft: 90, checkpointMinutesAgo: 10 };

describe('buildHealthReport', () => {
  it("reports each sink's check, and is degraded by a sink that fails it", async () => {
    const report = await buildHealthReport(
      {
        ...sourcesFor(healthy),
        sinks: [
          { name: 'blob', checkHealth: async () => ({ ok: true, detail: 'events container reachable' }) },
          {
            name: 'elasticsearch',
            checkHealth: async () => ({ ok: false, detail: 'the API key was refused (401)' }),
          },
          { name: 'splunk', checkHealth: () => Promise.reject(new Error('socket hang up')) },
        ],
      },
      NOW,
    );
    expect(report.status).toBe('degraded');
    expect(report.sinks).toEqual([
      { name: 'blob', ok: true, detail: 'events container reachable' },
      { name: 'elasticsearch', ok: false, detail: 'the API key was refused (401)' },
      { name: 'splunk', ok: false, detail: expect.stringContaining('socket hang up') },
    ]);
    expect(report.problems).toEqual([
      'sink elasticsearch: the API key was refused (401)',
      expect.stringMatching(/^sink splunk: health check failed: .*socket hang up/),
    ]);
  });

  it('is ok when nothing is wrong', async () => {
    const report = await buildHealthReport(sourcesFor(healthy), NOW);
    expect(report).toMatchObject({ status: 'ok', problems: [] });
    expect(report.tenants[0].contentTypes[0]).toMatchObject({ checkpointLagMinutes: 10 });
  });

  it.each([
    ['poison messages waiting', { poison: 3 }, /3 message\(s\) in the poison queue/],
    ['a secret expiring within 7 days', { secretDaysLeft: 6.5 }, /client secret expires in 6\.5 day/],
    ['a secret expiring in exactly 7 days', { secretDaysLeft: 7 }, /client secret expires in 7 day/],
    [
      'a checkpoint three hours behind',
      { checkpointMinutesAgo: 180 },
      /Audit\.General: backfill 180 minutes behind/,
    ],
  ])('is degraded by %s, and says so', async (_name, change, problem) => {
    const report = await buildHealthReport(sourcesFor({ ...healthy, ...change }), NOW);
    expect(report.status).toBe('degraded');
    expect(report.problems).toEqual([expect.stringMatching(problem)]);
  });

  it.each([
    ['a secret with 8 days left', { secretDaysLeft: 8 }],
    ['a checkpoint 45 minutes behind', { checkpointMinutesAgo: 45 }],
  ])('stays ok with %s', async (_name, change) => {
    const report = await buildHealthReport(sourcesFor({ ...healthy, ...change }), NOW);
    expect(report).toMatchObject({ status: 'ok', problems: [] });
  });
});

describe('buildHealthReport over many tenants', () => {
  it('reports a tenant whose API does not answer within the deadline, and every other tenant', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `00000000-0000-4000-8000-00000000000${i}`);
    const hanging = ids[2];
    const base = sourcesFor(healthy);
    const sources: HealthSources = {
      ...base,
      config: { ...base.config, maintenance: { concurrency: 3 } },
      directory: { list: async () => ids.map((id) => ({ tenantId: id, clientId: 'c' }) as TenantConfig) },
      clientFor: (tenant) => ({
        listSubscriptions: (options) =>
          tenant.tenantId !== hanging
            ? base.clientFor(tenant).listSubscriptions()
            : new Promise((_resolve, reject) =>
                options?.abortSignal?.addEventListener('abort', () => reject(options.abortSignal!.reason)),
              ),
      }),
    };
    const report = await buildHealthReport(sources, NOW, { tenantTimeoutMs: 50 });
    expect(report.tenants.map((t) => t.tenantId)).toEqual(ids);
    expect(report.tenants.filter((t) => t.subscriptionsError).map((t) => t.tenantId)).toEqual([hanging]);
    expect(report.problems).toContain(`${hanging}: subscriptions unreadable: no answer within 0.05 s`);
  });
});
