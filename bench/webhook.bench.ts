/**
 * Webhook throughput and latency: real HTTP POSTs of 10-item notification arrays to the local host's
 * /api/webhook, against the same run's bare ContentQueue.enqueue of the same 10 messages to the same
 * Azurite queue. The webhook adds HTTP, auth, parsing and validation on top of the enqueue; goal:
 * at least 0.9x the baseline's rate, p99 under 20 ms.
 */
import { startLocalHost } from '../local/host';
import { defineReceiverFunctions } from '../functions/catalog';
import { createServices } from '../functions/services';
import type { ContentMessage } from '../shared/contentMessage';
import { loadConfig } from '../shared/config/settings';
import { silentLogger } from '../shared/log';
import type { Figure } from './figure';
import { startHelper } from './support/childProcess';
import { median, runLoad, type LoadResult } from './support/latency';

const TENANT_ID = '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c';
const CLIENT_ID = '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d';
const AUTH_ID = 'bench-auth-id-6a2f9c0e4b8d1735e2';
const ITEMS_PER_REQUEST = 10;
const REQUESTS = 400;
const CONCURRENCY = 4;
const ROUNDS = 3;

export async function run(): Promise<Figure[]> {
  // Azurite in its own process: see bench/support/azuriteProcess.ts.
  const azurite = startHelper('azuriteProcess.ts');
  const connectionString = await azurite.call<string>({ op: 'start' });
  const config = loadConfig({
    O365_TENANT_ID: TENANT_ID,
    O365_CLIENT_ID: CLIENT_ID,
    O365_CLIENT_SECRET: 'unused',
    AzureWebJobsStorage: connectionString,
    WEBHOOK_AUTH_ID: AUTH_ID,
  });
  const services = createServices(config, {
    logger: silentLogger,
    azureCredential: { getToken: async () => null },
  });
  await services.ensureStorage();
  // Only the webhook: the fetch function would compete for the CPU and drain the queue.
  const webhook = defineReceiverFunctions(services).filter((d) => d.name === 'webhook');
  const host = await startLocalHost(webhook, {
    storageConnectionString: connectionString,
    timers: 'manual',
    logger: silentLogger,
  });
  const apiBase = config.tenants[0].endpoints.apiBaseUrl;
  let serial = 0;
  const batch = (): ContentMessage[] => {
    const out: ContentMessage[] = [];
    for (let i = 0; i < ITEMS_PER_REQUEST; i++) {
      const contentId = `bench$${serial++}$${'0'.repeat(40)}`;
      out.push({
        tenantId: TENANT_ID,
        clientId: CLIENT_ID,
        contentType: 'Audit.SharePoint',
        contentId,
        contentUri: `${apiBase}/api/v1.0/${TENANT_ID}/activity/feed/audit/${contentId}`,
        contentCreated: '2024-05-01T10:00:00.000Z',
        contentExpiration: '2024-05-08T10:00:00.000Z',
        source: 'webhook',
        enqueuedAt: new Date().toISOString(),
      });
    }
    return out;
  };
  const post = async () => {
    const items = batch().map(({ source: _s, enqueuedAt: _e, ...item }) => item);
    const response = await fetch(`${host.url}/api/webhook`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; utf-8', 'Webhook-AuthID': AUTH_ID },
      body: JSON.stringify(items),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  };
  const enqueue = () => services.queue.enqueue(batch());

  try {
    // Warm-up: connections, JIT, queue creation.
    await runLoad(50, CONCURRENCY, enqueue);
    await runLoad(50, CONCURRENCY, post);
    const bare: LoadResult[] = [];
    const hook: LoadResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await runLoad(REQUESTS, CONCURRENCY, enqueue));
      hook.push(await runLoad(REQUESTS, CONCURRENCY, post));
    }
    // Microsoft pushes a few batches at a time, not a flood: latency one request at a time too.
    const bareSingle = await runLoad(200, 1, enqueue);
    const hookSingle = await runLoad(200, 1, post);
    const b = {
      rate: median(bare.map((r) => r.perSecond)),
      p50: median(bare.map((r) => r.p50Ms)),
      p99: median(bare.map((r) => r.p99Ms)),
    };
    const h = {
      rate: median(hook.map((r) => r.perSecond)),
      p50: median(hook.map((r) => r.p50Ms)),
      p99: median(hook.map((r) => r.p99Ms)),
    };
    return [
      {
        name: 'webhook',
        value: Math.round(h.rate),
        unit: 'requests/s',
        ratio: h.rate / b.rate,
        baseline: 'bare enqueue',
      },
      { name: 'webhook p50', value: h.p50, unit: 'ms', ratio: b.p50 / h.p50, baseline: 'bare enqueue p50' },
      { name: 'webhook p99', value: h.p99, unit: 'ms', ratio: b.p99 / h.p99, baseline: 'bare enqueue p99' },
      {
        name: 'webhook p50 (one request at a time)',
        value: hookSingle.p50Ms,
        unit: 'ms',
        ratio: bareSingle.p50Ms / hookSingle.p50Ms,
        baseline: 'bare enqueue p50',
      },
      {
        name: 'webhook p99 (one request at a time)',
        value: hookSingle.p99Ms,
        unit: 'ms',
        ratio: bareSingle.p99Ms / hookSingle.p99Ms,
        baseline: 'bare enqueue p99',
      },
    ];
  } finally {
    await host.stop();
    await azurite.stop();
  }
}
