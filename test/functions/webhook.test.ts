import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { developmentConnectionString } from '../../local/azurite';
import { parseContentMessage, type ContentMessage } from '../../shared/contentMessage';
import { ContentQueue } from '../../shared/queue/contentQueue';
import { defineWebhook, type WebhookDependencies } from '../../functions/webhook';
import { checkContentUri } from '../../functions/services';
import { staticTenantDirectory, TenantRegistryUnavailableError } from '../../shared/tenants/tenantDirectory';
import {
  AUTH_ID,
  notificationItem,
  OTHER_TENANT_ID,
  TENANT_ID,
  testConfig,
} from '../notifications/tenantFixture';
import { closedPort, linesAt, recordingContext, uniqueQueueName, useAzurite } from './support';

const azurite = useAzurite();
const config = testConfig();
const URL_ = 'http://127.0.0.1:7071/api/webhook';

interface Rig {
  queue: ContentQueue;
  rejected: { rejected: number; accepted: number; reasons: string[] }[];
  call(init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array }): Promise<{
    response: HttpResponseInit;
    lines: ReturnType<typeof recordingContext>['lines'];
  }>;
  queued(): Promise<ContentMessage[]>;
}

function serviceFor(connectionString: string): QueueServiceClient {
  return QueueServiceClient.fromConnectionString(connectionString, {
    retryOptions: { maxTries: 1, tryTimeoutInMs: 5000 },
  });
}

function rig(overrides: Partial<WebhookDependencies> = {}, queueService?: QueueServiceClient): Rig {
  const name = uniqueQueueName('hook');
  const service = queueService ?? serviceFor(azurite().connectionString);
  const queue = new ContentQueue(service, { contentQueue: name, poisonQueue: `${name}-poison` });
  const rejected: Rig['rejected'] = [];
  const webhook = defineWebhook({
    config,
    tenants: staticTenantDirectory(config.tenants),
    enqueue: (messages) => queue.enqueue(messages),
    checkContentUri,
    onRejected: async (summary) => {
      rejected.push(summary);
    },
    now: () => new Date('2024-05-01T10:05:00.000Z'),
    ...overrides,
  });
  return {
    queue,
    rejected,
    async call({ method = 'POST', headers = {}, body }) {
      const request = new HttpRequest({
        method,
        url: URL_,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? { string: body } : { bytes: body },
      });
      const { context, lines } = recordingContext('webhook');
      return { response: await webhook.handler(request, context), lines };
    },
    async queued() {
      const client = serviceFor(azurite().connectionString).getQueueClient(name);
      if (!(await client.exists())) return [];
      const out: ContentMessage[] = [];
      for (;;) {
        const batch = await client.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
        if (batch.receivedMessageItems.length === 0) return out;
        for (const m of batch.receivedMessageItems) out.push(parseContentMessage(m.messageText));
      }
    },
  };
}

const notificationHeaders = (authId = AUTH_ID): Record<string, string> => ({
  'content-type': 'application/json; utf-8',
  'webhook-authid': authId,
});

describe('webhook function', () => {
  it('answers the validation handshake (header and body) with 200 and enqueues nothing', async () => {
    const r = rig();
    const { response } = await r.call({
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'webhook-authid': AUTH_ID,
        'webhook-validationcode': 'opaque-code',
      },
      body: '{"validationCode":"opaque-code"}',
    });
    expect(response.status).toBe(200);
    expect(await r.queued()).toEqual([]);
  });

  it('answers a validation body without the header too', async () => {
    const r = rig();
    const { response } = await r.call({ headers: notificationHeaders(), body: '{"validationCode":"c"}' });
    expect(response.status).toBe(200);
  });

  it('refuses a validation request whose Webhook-AuthID does not match', async () => {
    const r = rig();
    const { response } = await r.call({
      headers: { 'webhook-authid': 'guess', 'webhook-validationcode': 'c' },
      body: '{"validationCode":"c"}',
    });
    expect(response.status).toBe(401);
  });

  it('enqueues one message per content blob from a Microsoft-style notification array', async () => {
    const r = rig();
    const a = notificationItem(config, { contentId: 'blob$a' });
    const b = notificationItem(config, { contentId: 'blob$b', contentType: 'Audit.Exchange' });
    const other = notificationItem(config, { contentId: 'blob$c' }, 1);
    // Microsoft may list a blob twice in one batch.
    const { response, lines } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([a, b, a, other]),
    });
    expect(response.status).toBe(200);
    const queued = await r.queued();
    expect(queued.map((m) => `${m.tenantId}|${m.contentId}`).sort()).toEqual(
      [`${TENANT_ID}|blob$a`, `${TENANT_ID}|blob$b`, `${OTHER_TENANT_ID}|blob$c`].sort(),
    );
    const exchange = queued.find((m) => m.contentId === 'blob$b');
    expect(exchange).toMatchObject({
      contentType: 'Audit.Exchange',
      contentUri: b.contentUri,
      source: 'webhook',
      enqueuedAt: '2024-05-01T10:05:00.000Z',
    });
    expect(linesAt(lines, 'information').join('\n')).toMatch(/"received":4,"enqueued":3,"refused":0/);
    expect(r.rejected).toEqual([]);
  });

  it('accepts the body as raw bytes with a byte-order mark', async () => {
    const r = rig();
    const body = Buffer.from(`\uFEFF${JSON.stringify([notificationItem(config)])}`, 'utf8');
    const { response } = await r.call({ headers: notificationHeaders(), body: new Uint8Array(body) });
    expect(response.status).toBe(200);
    expect(await r.queued()).toHaveLength(1);
  });

  it('refuses a wrong or missing Webhook-AuthID with 401 and enqueues nothing', async () => {
    const r = rig();
    const body = JSON.stringify([notificationItem(config)]);
    const wrong = await r.call({ headers: notificationHeaders('forged'), body });
    const missing = await r.call({ headers: { 'content-type': 'application/json' }, body });
    expect(wrong.response.status).toBe(401);
    expect(missing.response.status).toBe(401);
    expect(await r.queued()).toEqual([]);
    // The log says why, without the value that was sent.
    expect(linesAt(wrong.lines, 'warning').join()).toMatch(/wrong or missing Webhook-AuthID/);
    expect(wrong.lines.map((l) => l.text).join()).not.toContain('forged');
  });

  it('refuses every notification with 503 when no auth id is configured', async () => {
    const r = rig({ config: testConfig({ WEBHOOK_AUTH_ID: '' }) });
    const { response } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([notificationItem(config)]),
    });
    expect(response.status).toBe(503);
    expect(await r.queued()).toEqual([]);
  });

  it('enqueues the valid items of a mixed batch, logs each refusal with its reason and answers 200', async () => {
    const r = rig();
    const good = notificationItem(config, { contentId: 'good$1' });
    const strangerTenant = notificationItem(config, {
      contentId: 'bad$1',
      tenantId: '99999999-9999-4999-8999-999999999999',
    });
    const elsewhere = notificationItem(config, {
      contentId: 'bad$2',
      contentUri: `https://attacker.example/api/v1.0/${TENANT_ID}/activity/feed/audit/bad$2`,
    });
    const { response, lines } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([good, strangerTenant, elsewhere, 'junk']),
    });
    expect(response.status).toBe(200);
    expect((await r.queued()).map((m) => m.contentId)).toEqual(['good$1']);
    const warnings = linesAt(lines, 'warning');
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/is not a configured tenant/);
    expect(warnings.join('\n')).toMatch(/not the tenant's API host/);
    expect(warnings.join('\n')).toMatch(/not a JSON object/);
    expect(r.rejected).toEqual([{ rejected: 3, accepted: 1, reasons: expect.any(Array) }]);
    expect(r.rejected[0].reasons).toHaveLength(3);
  });

  it("refuses the notifications of a tenant the registry disabled with the registry's reason, and enqueues the others", async () => {
    const reason = `tenant ${TENANT_ID} is disabled in the tenant registry`;
    const served = staticTenantDirectory(config.tenants);
    const r = rig({
      tenants: {
        get: async (id) =>
          id.toLowerCase() === TENANT_ID
            ? { status: 'disabled', tenantId: TENANT_ID, reason }
            : served.get(id),
      },
    });
    const other = config.tenants.find((t) => t.tenantId === OTHER_TENANT_ID)!;
    const { response, lines } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([
        notificationItem(config, { contentId: 'disabled$1' }),
        notificationItem(config, { contentId: 'other$1' }, 1),
      ]),
    });
    expect(response.status).toBe(200);
    expect((await r.queued()).map((m) => [m.tenantId, m.contentId])).toEqual([[other.tenantId, 'other$1']]);
    expect(linesAt(lines, 'warning').join('\n')).toContain(reason);
    expect(r.rejected).toEqual([{ rejected: 1, accepted: 1, reasons: [reason] }]);
  });

  it('answers 503 without enqueuing while the tenant registry cannot be read, so Microsoft retries', async () => {
    const r = rig({
      tenants: {
        get: async (id) => {
          throw new TenantRegistryUnavailableError(id, 'storage down');
        },
      },
    });
    const { response, lines } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([notificationItem(config)]),
    });
    expect(response).toMatchObject({
      status: 503,
      headers: expect.objectContaining({ 'retry-after': '30' }),
    });
    expect(await r.queued()).toEqual([]);
    expect(linesAt(lines, 'error').join()).toMatch(/could not check the tenants.*storage down/);
  });

  it('answers 200 to a batch where every item is refused, enqueuing nothing', async () => {
    const r = rig();
    const { response } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([notificationItem(config, { contentType: 'Audit.Nothing' })]),
    });
    expect(response.status).toBe(200);
    expect(await r.queued()).toEqual([]);
    expect(r.rejected[0]).toMatchObject({ rejected: 1, accepted: 0 });
  });

  it('still answers 200 when reporting the refusals fails, since the valid items are queued', async () => {
    const r = rig({
      onRejected: () => Promise.reject(new Error('alert channel down')),
    });
    const { response, lines } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([notificationItem(config), notificationItem(config, { contentId: '' })]),
    });
    expect(response.status).toBe(200);
    expect(await r.queued()).toHaveLength(1);
    expect(linesAt(lines, 'error').join()).toMatch(/could not report refused notifications/);
  });

  it('refuses malformed JSON with 400', async () => {
    const r = rig();
    const { response } = await r.call({ headers: notificationHeaders(), body: '[{"tenantId": ' });
    expect(response.status).toBe(400);
    expect(String(response.body)).toMatch(/not valid JSON/);
    expect(await r.queued()).toEqual([]);
  });

  it('refuses a body over the limit with 413, whether or not Content-Length announces it', async () => {
    const r = rig();
    const filler = 'x'.repeat(config.webhook.maxBodyBytes);
    const big = JSON.stringify([notificationItem(config, { padding: filler })]);
    const announced = await r.call({
      headers: { ...notificationHeaders(), 'content-length': String(Buffer.byteLength(big)) },
      body: big,
    });
    const unannounced = await r.call({ headers: notificationHeaders(), body: big });
    expect(announced.response.status).toBe(413);
    expect(unannounced.response.status).toBe(413);
    expect(await r.queued()).toEqual([]);
  });

  it('refuses methods other than POST with 405 and names the allowed one', async () => {
    const r = rig();
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const { response } = await r.call({ method, headers: notificationHeaders() });
      expect(response.status).toBe(405);
      expect(response.headers).toMatchObject({ allow: 'POST' });
    }
  });

  it('answers 503 when the queue cannot be written, so Microsoft delivers the batch again', async () => {
    const port = await closedPort();
    const unreachable = serviceFor(developmentConnectionString({ blob: port, queue: port, table: port }));
    const r = rig({}, unreachable);
    const { response, lines } = await r.call({
      headers: notificationHeaders(),
      body: JSON.stringify([notificationItem(config)]),
    });
    expect(response.status).toBe(503);
    expect(linesAt(lines, 'error').join()).toMatch(/could not enqueue notifications/);
  });

  it('is registered as the anonymous POST route /api/webhook', () => {
    const definition = defineWebhook({
      config,
      tenants: staticTenantDirectory(config.tenants),
      enqueue: async () => undefined,
      checkContentUri,
    });
    expect(definition).toMatchObject({
      kind: 'http',
      name: 'webhook',
      route: 'webhook',
      authLevel: 'anonymous',
    });
    expect(definition.methods).toContain('POST');
  });
});
