/**
 * The webhook needs only the queue: with the Table and Blob services down, Microsoft's deliveries
 * still get a 200 and their messages are queued; the functions that do need those services wait
 * for them, and an HTTP function whose storage cannot be readied answers 503, not a crash.
 */
import { HttpRequest } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { allFunctions } from '../../functions/allFunctions';
import type { HttpFunctionDefinition } from '../../functions/definition';
import { createServices } from '../../functions/services';
import { withStorageReady } from '../../functions/withStorageReady';
import { parseContentMessage } from '../../shared/contentMessage';
import { memoryLogger } from '../../shared/log';
import { AUTH_ID, notificationItem, testConfig } from '../notifications/tenantFixture';
import { closedPort, recordingContext, uniqueQueueName, useAzurite } from './support';

const azurite = useAzurite();

function notificationRequest(body: unknown): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1:7071/api/webhook',
    headers: { 'content-type': 'application/json; utf-8', 'webhook-authid': AUTH_ID },
    body: { string: JSON.stringify(body) },
  });
}

describe('storage each function waits for', () => {
  it('accepts and queues notifications while the Table and Blob services are unreachable', async () => {
    const down = await closedPort();
    const queueName = uniqueQueueName('outage');
    const connectionString = azurite()
      .connectionString.replace(
        /TableEndpoint=[^;]+/,
        `TableEndpoint=http://127.0.0.1:${down}/devstoreaccount1`,
      )
      .replace(/BlobEndpoint=[^;]+/, `BlobEndpoint=http://127.0.0.1:${down}/devstoreaccount1`);
    const config = testConfig({ AzureWebJobsStorage: connectionString, CONTENT_QUEUE_NAME: queueName });
    const services = createServices(config, {
      logger: memoryLogger(),
      azureCredential: { getToken: async () => null },
    });
    const webhook = allFunctions(services).find((d): d is HttpFunctionDefinition => d.name === 'webhook')!;

    const item = notificationItem(config, { contentId: 'outage$blob$1' });
    const { context } = recordingContext('webhook');
    const response = await webhook.handler(notificationRequest([item]), context);

    expect(response.status).toBe(200);
    const queue = QueueServiceClient.fromConnectionString(azurite().connectionString).getQueueClient(
      queueName,
    );
    const received = await queue.receiveMessages({ numberOfMessages: 5 });
    expect(received.receivedMessageItems.map((m) => parseContentMessage(m.messageText).contentId)).toEqual([
      'outage$blob$1',
    ]);
  }, 20_000);

  it('answers 503 with a reason from an HTTP function whose storage cannot be readied', async () => {
    const inner: HttpFunctionDefinition = {
      kind: 'http',
      name: 'health',
      route: 'health',
      methods: ['GET'],
      authLevel: 'function',
      handler: async () => ({ status: 200 }),
    };
    const wrapped = withStorageReady(inner, () => Promise.reject(new Error('table service unreachable')));
    if (wrapped.kind !== 'http') throw new Error('expected an HTTP function');
    const { context, lines } = recordingContext('health');
    const response = await wrapped.handler(
      new HttpRequest({ method: 'GET', url: 'http://x/api/health' }),
      context,
    );
    expect(response).toMatchObject({ status: 503, headers: { 'retry-after': '30' } });
    expect(lines.map((l) => l.text).join()).toMatch(/storage is not ready.*table service unreachable/);
  });
});
