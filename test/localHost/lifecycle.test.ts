import type { FunctionDefinition } from '../../functions/definition';
import { LocalHostError, startLocalHost } from '../../local/host';
import { developmentConnectionString } from '../../local/azurite';
import { memoryLogger } from '../../shared/log';
import { deferred, unusedStorage } from './harness';

describe('local host lifecycle', () => {
  it('stop() lets an in-flight HTTP request finish and then refuses new connections', async () => {
    const started = deferred();
    const release = deferred();
    const host = await startLocalHost(
      [
        {
          kind: 'http',
          name: 'slow',
          route: 'slow',
          methods: ['GET'],
          authLevel: 'anonymous',
          handler: async () => {
            started.resolve();
            await release.promise;
            return { body: 'done' };
          },
        },
      ],
      { storageConnectionString: unusedStorage, logger: memoryLogger(), timers: 'manual' },
    );
    const pending = fetch(`${host.url}/api/slow`);
    await started.promise;
    let stopped = false;
    const stopping = host.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release.resolve();
    const response = await pending;
    expect(await response.text()).toBe('done');
    await stopping;
    await expect(fetch(`${host.url}/api/slow`)).rejects.toThrow();
    await host.stop();
  });

  it('whenQueuesIdle rejects with a reason when the queues never become idle', async () => {
    const host = await startLocalHost(
      [{ kind: 'queue', name: 'stuck', queueName: 'never-reached', handler: async () => undefined }],
      {
        storageConnectionString: developmentConnectionString({ blob: 1, queue: 1, table: 1 }),
        logger: memoryLogger(),
        timers: 'manual',
        pollIntervalMs: { min: 10, max: 50 },
      },
    );
    await expect(host.whenQueuesIdle({ timeoutMs: 200 })).rejects.toThrow(/not idle after 200 ms/);
    await host.stop();
  });

  it('refuses two functions with the same name', async () => {
    const definitions: FunctionDefinition[] = [
      { kind: 'timer', name: 'twice', schedule: '0 0 * * * *', handler: async () => undefined },
      {
        kind: 'http',
        name: 'twice',
        route: 'x',
        methods: ['GET'],
        authLevel: 'anonymous',
        handler: async () => ({}),
      },
    ];
    await expect(startLocalHost(definitions, { storageConnectionString: unusedStorage })).rejects.toThrow(
      LocalHostError,
    );
  });

  it('refuses an invalid host.json queues section', async () => {
    await expect(
      startLocalHost([], { storageConnectionString: unusedStorage, hostJson: { batchSize: 0 } }),
    ).rejects.toThrow(/batchSize/);
  });

  it('exposes a random function key when none is given', async () => {
    const a = await startLocalHost([], { storageConnectionString: unusedStorage, logger: memoryLogger() });
    const b = await startLocalHost([], { storageConnectionString: unusedStorage, logger: memoryLogger() });
    expect(a.functionKey.length).toBeGreaterThanOrEqual(16);
    expect(a.functionKey).not.toBe(b.functionKey);
    await Promise.all([a.stop(), b.stop()]);
  });
});
