import { QueueServiceClient } from '@azure/storage-queue';
import type { InvocationContext } from '@azure/functions';
import type { FunctionDefinition } from '../../functions/definition';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { startLocalHost, type HostJsonQueues, type LocalHost } from '../../local/host';
import { memoryLogger } from '../../shared/log';
import { base64, deferred, eventually, uniqueQueueName } from './harness';

describe('local host queue trigger', () => {
  let azurite: AzuriteInstance;
  let queues: QueueServiceClient;
  const hosts: LocalHost[] = [];

  beforeAll(async () => {
    azurite = await startAzurite();
    queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    await azurite.stop();
  });

  async function hostFor(
    definition: FunctionDefinition,
    hostJson: HostJsonQueues = { visibilityTimeout: '00:00:00' },
    extra: { queueLeaseSeconds?: number } = {},
  ) {
    const logger = memoryLogger();
    const host = await startLocalHost([definition], {
      storageConnectionString: azurite.connectionString,
      hostJson,
      logger,
      timers: 'manual',
      pollIntervalMs: { min: 20, max: 100 },
      ...extra,
    });
    hosts.push(host);
    return { host, logger };
  }

  async function send(queueName: string, ...texts: string[]) {
    const queue = queues.getQueueClient(queueName);
    await queue.createIfNotExists();
    for (const text of texts) await queue.sendMessage(text);
  }

  it('hands a JSON message to the handler as an object, with the host trigger metadata', async () => {
    const queueName = uniqueQueueName('json');
    const received: { message: unknown; context: InvocationContext }[] = [];
    const { host } = await hostFor({
      kind: 'queue',
      name: 'consume',
      queueName,
      handler: async (message, context) => void received.push({ message, context }),
    });
    await send(queueName, base64(JSON.stringify({ contentUri: 'https://x/1', n: 1 })));
    await host.whenQueuesIdle();

    expect(received).toHaveLength(1);
    expect(received[0].message).toEqual({ contentUri: 'https://x/1', n: 1 });
    const metadata = received[0].context.triggerMetadata ?? {};
    expect(metadata.dequeueCount).toBe(1);
    expect(typeof metadata.id).toBe('string');
    expect(typeof metadata.popReceipt).toBe('string');
    for (const key of ['insertionTime', 'expirationTime', 'nextVisibleTime']) {
      expect(Number.isNaN(Date.parse(String(metadata[key])))).toBe(false);
    }
    expect(host.stats().invocations.consume).toEqual({ succeeded: 1, failed: 0 });
    expect((await queues.getQueueClient(queueName).peekMessages()).peekedMessageItems).toHaveLength(0);
  });

  it('hands a message that is not JSON to the handler as a string', async () => {
    const queueName = uniqueQueueName('text');
    const received: unknown[] = [];
    const { host } = await hostFor({
      kind: 'queue',
      name: 'consume',
      queueName,
      handler: async (message) => void received.push(message),
    });
    await send(queueName, base64('plain text, not json'));
    await host.whenQueuesIdle();
    expect(received).toEqual(['plain text, not json']);
  });

  it('reads messages as they are when messageEncoding is none', async () => {
    const queueName = uniqueQueueName('none');
    const received: unknown[] = [];
    const { host } = await hostFor(
      { kind: 'queue', name: 'consume', queueName, handler: async (m) => void received.push(m) },
      { messageEncoding: 'none' },
    );
    await send(queueName, '{"raw":true}');
    await host.whenQueuesIdle();
    expect(received).toEqual([{ raw: true }]);
  });

  it('retries a failing message with an increasing dequeueCount, then succeeds and deletes it', async () => {
    const queueName = uniqueQueueName('retry');
    const counts: unknown[] = [];
    const { host } = await hostFor({
      kind: 'queue',
      name: 'flaky',
      queueName,
      handler: async (_m, context) => {
        counts.push(context.triggerMetadata?.dequeueCount);
        if (counts.length < 3) throw new Error('transient');
      },
    });
    await send(queueName, base64('"x"'));
    await host.whenQueuesIdle();
    expect(counts).toEqual([1, 2, 3]);
    expect(host.stats().invocations.flaky).toEqual({ succeeded: 1, failed: 2 });
    expect(host.stats().poisoned).toBe(0);
  });

  it('whenQueuesIdle waits for a failed message that is waiting out its visibilityTimeout', async () => {
    const queueName = uniqueQueueName('delay');
    const counts: unknown[] = [];
    const { host } = await hostFor(
      {
        kind: 'queue',
        name: 'delayed',
        queueName,
        handler: async (_m, context) => {
          counts.push(context.triggerMetadata?.dequeueCount);
          if (counts.length === 1) throw new Error('first try fails');
        },
      },
      { visibilityTimeout: '00:00:01' },
    );
    await send(queueName, base64('"later"'));
    await host.whenQueuesIdle();
    expect(counts).toEqual([1, 2]);
  });

  it('moves the original message to <queue>-poison after maxDequeueCount failures', async () => {
    const queueName = uniqueQueueName('poison');
    let calls = 0;
    const { host, logger } = await hostFor(
      {
        kind: 'queue',
        name: 'doomed',
        queueName,
        handler: async () => {
          calls++;
          throw new Error('always fails');
        },
      },
      { maxDequeueCount: 2, visibilityTimeout: '00:00:00' },
    );
    const original = base64(JSON.stringify({ keep: 'me' }));
    await send(queueName, original);
    await host.whenQueuesIdle();

    expect(calls).toBe(2);
    const poisoned = await queues.getQueueClient(`${queueName}-poison`).receiveMessages();
    expect(poisoned.receivedMessageItems.map((m) => m.messageText)).toEqual([original]);
    expect((await queues.getQueueClient(queueName).peekMessages()).peekedMessageItems).toHaveLength(0);
    expect(host.stats().poisoned).toBe(1);
    expect(logger.lines.some((l) => l.level === 'error' && l.line.includes('always fails'))).toBe(true);
  });

  it('fails a message that is not valid base64 without calling the handler, and poisons it', async () => {
    const queueName = uniqueQueueName('notb64');
    let calls = 0;
    const { host, logger } = await hostFor(
      { kind: 'queue', name: 'strict', queueName, handler: async () => void calls++ },
      { maxDequeueCount: 1 },
    );
    await send(queueName, '{"not":"encoded"}');
    await host.whenQueuesIdle();
    expect(calls).toBe(0);
    const poisoned = await queues.getQueueClient(`${queueName}-poison`).receiveMessages();
    expect(poisoned.receivedMessageItems.map((m) => m.messageText)).toEqual(['{"not":"encoded"}']);
    expect(logger.lines.some((l) => l.line.includes('not a valid Base-64 string'))).toBe(true);
  });

  it('runs at most batchSize invocations at once and still handles every message', async () => {
    const queueName = uniqueQueueName('batch');
    let running = 0;
    let maxRunning = 0;
    const handled: unknown[] = [];
    const { host } = await hostFor(
      {
        kind: 'queue',
        name: 'bounded',
        queueName,
        handler: async (message) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 60));
          handled.push(message);
          running--;
        },
      },
      { batchSize: 3 },
    );
    await send(queueName, ...Array.from({ length: 10 }, (_, i) => base64(String(i))));
    await host.whenQueuesIdle();
    expect(handled.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].sort());
    expect(maxRunning).toBeLessThanOrEqual(3);
    expect(maxRunning).toBeGreaterThan(1);
  });

  it('renews the lease of a long invocation so the message is not delivered twice', async () => {
    const queueName = uniqueQueueName('lease');
    let calls = 0;
    const { host } = await hostFor(
      {
        kind: 'queue',
        name: 'slow',
        queueName,
        handler: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 2500));
        },
      },
      {},
      { queueLeaseSeconds: 1 },
    );
    await send(queueName, base64('"slow"'));
    await host.whenQueuesIdle();
    expect(calls).toBe(1);
    expect((await queues.getQueueClient(queueName).peekMessages()).peekedMessageItems).toHaveLength(0);
  });

  it('stop() waits for the running invocation and then deletes its message', async () => {
    const queueName = uniqueQueueName('stop');
    const started = deferred();
    const release = deferred();
    let finished = false;
    const { host } = await hostFor({
      kind: 'queue',
      name: 'inflight',
      queueName,
      handler: async () => {
        started.resolve();
        await release.promise;
        finished = true;
      },
    });
    await send(queueName, base64('"work"'));
    await started.promise;
    let stopped = false;
    const stopping = host.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(host.stats().invocations.inflight).toEqual({ succeeded: 1, failed: 0 });
    const props = await queues.getQueueClient(queueName).getProperties();
    expect(props.approximateMessagesCount).toBe(0);
  });

  it('keeps polling and logs when storage cannot be reached, and still stops', async () => {
    const logger = memoryLogger();
    const unreachable = azurite.connectionString.replace(`:${azurite.queuePort}/`, ':1/');
    const host = await startLocalHost(
      [{ kind: 'queue', name: 'orphan', queueName: uniqueQueueName('down'), handler: async () => undefined }],
      {
        storageConnectionString: unreachable,
        logger,
        timers: 'manual',
        pollIntervalMs: { min: 10, max: 50 },
      },
    );
    await eventually(
      () => logger.lines.filter((l) => l.line.includes('polling the queue failed')).length >= 2,
    );
    await host.stop();
    expect(logger.lines.every((l) => l.level !== 'error')).toBe(true);
  });
});
