import { QueueClient } from '@azure/storage-queue';
import { ContentMessage, parseContentMessage } from '../../shared/contentMessage';
import { ContentQueue, QueueWriteError, ReplayProgress } from '../../shared/queue/contentQueue';
import { createStorageClients } from '../../shared/storage/clients';
import { closedPort, uniqueName, useAzurite } from './azuriteFixture';

const TENANT = '11111111-2222-3333-4444-555555555555';

function message(contentId: string, overrides: Partial<ContentMessage> = {}): ContentMessage {
  return {
    tenantId: TENANT,
    contentType: 'Audit.SharePoint',
    contentId,
    contentUri: `https://manage.office.com/api/v1.0/${TENANT}/activity/feed/audit/${contentId}`,
    contentCreated: '2024-05-01T10:00:00.000Z',
    contentExpiration: '2024-05-08T10:00:00.000Z',
    source: 'webhook',
    enqueuedAt: '2024-05-01T10:00:05.000Z',
    ...overrides,
  };
}

async function drain(queue: QueueClient): Promise<string[]> {
  const texts: string[] = [];
  for (;;) {
    const batch = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
    if (batch.receivedMessageItems.length === 0) return texts;
    texts.push(...batch.receivedMessageItems.map((m) => m.messageText));
  }
}

describe('ContentQueue', () => {
  const azurite = useAzurite();

  function freshQueue() {
    const name = uniqueName('content', 'queue');
    const names = { contentQueue: name, poisonQueue: `${name}-poison` };
    const service = azurite.clients().queueService;
    return {
      queue: new ContentQueue(service, names),
      main: service.getQueueClient(names.contentQueue),
      poison: service.getQueueClient(names.poisonQueue),
    };
  }

  it('enqueues one base64 JSON message per blob that parseContentMessage reads back', async () => {
    const { queue, main } = freshQueue();
    const sent = [message('a'), message('b$with$dollars'), message('c', { source: 'backfill' })];
    await queue.enqueue(sent);
    const texts = await drain(main);
    expect(texts).toHaveLength(3);
    for (const text of texts) {
      expect(text).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(() => JSON.parse(Buffer.from(text, 'base64').toString('utf8'))).not.toThrow();
    }
    const received = texts
      .map((t) => parseContentMessage(t))
      .sort((x, y) => x.contentId.localeCompare(y.contentId));
    expect(received).toEqual(sent);
  });

  it('creates its queues on first use and reports their depth', async () => {
    const { queue } = freshQueue();
    expect(await queue.depth()).toEqual({ queued: 0, poison: 0 });
    await queue.enqueue(Array.from({ length: 25 }, (_, i) => message(`blob-${i}`)));
    expect(await queue.depth()).toEqual({ queued: 25, poison: 0 });
  });

  it('does nothing for an empty batch', async () => {
    const { queue } = freshQueue();
    await queue.enqueue([]);
    expect(await queue.depth()).toEqual({ queued: 0, poison: 0 });
  });

  it('hides messages for the requested visibility timeout', async () => {
    const { queue, main } = freshQueue();
    await queue.enqueue([message('later')], { visibilityTimeoutSeconds: 600 });
    expect(await drain(main)).toEqual([]);
    expect((await queue.depth()).queued).toBe(1);
  });

  it('rejects with QueueWriteError naming every unwritten blob when the queue service is unreachable', async () => {
    const port = await closedPort();
    const clients = createStorageClients(
      {
        kind: 'connectionString',
        connectionString: azurite
          .instance()
          .connectionString.replace(
            /QueueEndpoint=[^;]+/,
            `QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
          ),
      },
      undefined,
      { maxTries: 1, retryDelayMs: 1, tryTimeoutMs: 2000 },
    );
    const queue = new ContentQueue(clients.queueService, { contentQueue: 'q', poisonQueue: 'q-poison' });
    const error = await queue.enqueue([message('x'), message('y')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QueueWriteError);
    expect(error).toMatchObject({ failed: 2, total: 2, failedContentIds: ['x', 'y'] });
  });

  it('rejects with QueueWriteError counting only the messages the service refused', async () => {
    const { queue, main } = freshQueue();
    // The service takes at most 64 KiB per message; this one is far over it.
    const oversized = message('huge', { contentUri: `https://manage.office.com/${'x'.repeat(70_000)}` });
    const error = await queue.enqueue([message('ok-1'), oversized, message('ok-2')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QueueWriteError);
    expect(error).toMatchObject({ failed: 1, total: 3, failedContentIds: ['huge'] });
    expect((await drain(main)).map((t) => parseContentMessage(t).contentId).sort()).toEqual(['ok-1', 'ok-2']);
  });

  it('replays poison messages to the main queue once, marked as replays, and leaves invalid ones counted', async () => {
    const { queue, main, poison } = freshQueue();
    await queue.ensureExists();
    const encoded = (m: ContentMessage) => Buffer.from(JSON.stringify(m)).toString('base64');
    await poison.sendMessage(encoded(message('p1')));
    await poison.sendMessage(encoded(message('p2', { source: 'backfill' })));
    await poison.sendMessage(JSON.stringify(message('p3'))); // hosts with messageEncoding none
    await poison.sendMessage(Buffer.from('not json at all').toString('base64'));
    await poison.sendMessage(
      encoded({ ...message('p5'), contentType: 'Audit.Nope' } as unknown as ContentMessage),
    );

    const progress: ReplayProgress[] = [];
    const result = await queue.replayPoison({ onMessage: (p) => progress.push(p) });

    expect(result).toEqual({ replayed: 3, invalid: 2 });
    expect(progress.filter((p) => p.outcome === 'invalid').every((p) => typeof p.reason === 'string')).toBe(
      true,
    );
    const replayed = (await drain(main)).map((t) => parseContentMessage(t));
    expect(replayed.map((m) => m.contentId).sort()).toEqual(['p1', 'p2', 'p3']);
    expect(replayed.every((m) => m.source === 'replay')).toBe(true);
    expect(replayed.find((m) => m.contentId === 'p1')?.contentUri).toBe(message('p1').contentUri);
    // The two invalid messages are kept (not lost), just not replayed.
    expect((await queue.depth()).poison).toBe(2);
  });

  it('parks a message in the poison queue so that a replay brings it back', async () => {
    const { queue, main } = freshQueue();
    await queue.sendToPoison(message('parked', { deferrals: 4 }));
    await queue.sendToPoison('{"not":"a content message"}');
    expect((await queue.depth()).poison).toBe(2);
    expect(await queue.replayPoison()).toEqual({ replayed: 1, invalid: 1 });
    const [back] = (await drain(main)).map((t) => parseContentMessage(t));
    expect(back).toMatchObject({ contentId: 'parked', source: 'replay' });
    expect(back.deferrals).toBeUndefined();
  });

  it('replays at most `max` poison messages per run', async () => {
    const { queue, main, poison } = freshQueue();
    await queue.ensureExists();
    for (let i = 0; i < 5; i++) {
      await poison.sendMessage(Buffer.from(JSON.stringify(message(`m${i}`))).toString('base64'));
    }
    expect(await queue.replayPoison({ max: 2 })).toEqual({ replayed: 2, invalid: 0 });
    expect(await drain(main)).toHaveLength(2);
    expect((await queue.depth()).poison).toBe(3);
  });

  it('replays nothing from an empty poison queue', async () => {
    const { queue } = freshQueue();
    expect(await queue.replayPoison()).toEqual({ replayed: 0, invalid: 0 });
  });
});
