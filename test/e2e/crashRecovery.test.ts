/**
 * Issue 9, done when: a worker killed with SIGKILL in the middle of a blob (claimed, record Ids
 * reserved, sink blocks staged but not committed), with storage on disk surviving a restart of its
 * own, and the receiver started again: every record of every blob lands in the sink exactly once,
 * and nothing is left in the poison queue.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import {
  generateRecords,
  startSimulator,
  type PublishedContent,
  type Simulator,
} from '../../local/simulator';
import { CLIENT, SECRET, TENANT } from '../../local/receiverRig';
import { loadConfig } from '../../shared/config/settings';
import { ContentQueue } from '../../shared/queue/contentQueue';
import { sinkPathFor } from '../../shared/sinks/blobNdjsonSink';
import { ContentLedger } from '../../shared/state/contentLedger';
import { createStorageClients } from '../../shared/storage/clients';
import type { ReceiverChildReport, ReceiverChildSpec } from './receiverChild';
import { countsOf, eventIdsOf, quickQueues, sinkLines } from './support';

const names = loadConfig({
  O365_TENANT_ID: TENANT,
  O365_CLIENT_ID: CLIENT,
  O365_CLIENT_SECRET: SECRET,
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
}).names;

interface Child {
  process: ChildProcess;
  outcomes: { status: string; contentId?: string }[];
}

function startChild(spec: ReceiverChildSpec): Promise<Child> {
  const child = fork(path.join(__dirname, 'receiverChild.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, RECEIVER_CHILD_SPEC: JSON.stringify(spec) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const outcomes: Child['outcomes'] = [];
  return new Promise((resolve, reject) => {
    child.on('message', (raw) => {
      const r = raw as ReceiverChildReport;
      if (r.kind === 'ready') resolve({ process: child, outcomes });
      else if (r.kind === 'outcome') outcomes.push({ status: r.status, contentId: r.contentId });
      else reject(new Error(`receiver child failed: ${r.error}`));
    });
    child.once('exit', (code) => reject(new Error(`receiver child exited with ${code} before it was ready`)));
  });
}

function kill(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    child.process.once('exit', () => resolve());
    child.process.kill('SIGKILL');
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let dir: string;
let azurite: AzuriteInstance | undefined;
let sim: Simulator | undefined;
const children: Child[] = [];

afterAll(async () => {
  for (const c of children) await kill(c);
  await sim?.stop();
  await azurite?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('writes every record exactly once after a worker is killed mid-blob and everything restarts', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'azurite-crash-'));
  azurite = await startAzurite({ location: dir });
  const ports = { blob: azurite.blobPort, queue: azurite.queuePort, table: azurite.tablePort };
  sim = await startSimulator({
    tenants: [{ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET }],
    startSpacingMs: 0,
    allowInsecureWebhook: true,
    push: { retryDelaysMs: [100, 200, 400, 800, 1600, 3200], disableAfterFailures: 50 },
  });
  const spec = (): ReceiverChildSpec => ({
    endpoints: {
      apiBaseUrl: sim!.apiBaseUrl,
      authorityHost: sim!.authorityHost,
      graphBaseUrl: sim!.graphBaseUrl,
    },
    connectionString: azurite!.connectionString,
    options: {
      hostJson: quickQueues(3),
      // Short enough for a test to see the dead worker's claim and queue lease run out.
      claimLeaseSeconds: 6,
      queueLeaseSeconds: 4,
      deferralBaseSeconds: 1,
    },
  });

  // One large blob, whose fetch stalls at 80 % so the worker is surely mid-blob when killed, and a
  // few small ones that finish before.
  const planned: { contentType: 'Audit.Exchange' | 'Audit.General'; records: Record<string, unknown>[] }[] = [
    {
      contentType: 'Audit.Exchange',
      records: generateRecords('Audit.Exchange', 5000, { seed: 9501, tenantId: TENANT }),
    },
    ...[0, 1, 2].map((i) => ({
      contentType: 'Audit.General' as const,
      records: generateRecords('Audit.General', 5, { seed: 9510 + i, tenantId: TENANT }),
    })),
  ];
  const published: PublishedContent[] = planned.map((p) =>
    sim!.publishContent(TENANT, p.contentType, p.records, { notify: false }),
  );
  const large = published[0];
  const largeBytes = JSON.stringify(planned[0].records).length;
  sim.faults.add({
    operation: 'fetch',
    kind: 'stall-body',
    contentId: large.contentId,
    afterBytes: Math.floor(largeBytes * 0.8),
  });

  children.push(await startChild(spec()));
  sim.notifyAgain(published);

  const sinkBlob = BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient(names.eventsContainer)
    .getBlockBlobClient(sinkPathFor(large));
  await until(
    'the large blob to be mid-write',
    async () => {
      const list = await sinkBlob.getBlockList('uncommitted').catch(() => undefined);
      return (list?.uncommittedBlocks?.length ?? 0) > 0 ? true : undefined;
    },
    30_000,
  );
  const storage = () =>
    createStorageClients({ kind: 'connectionString', connectionString: azurite!.connectionString });
  expect(
    await new ContentLedger(storage().tableClient(names.ledgerTable)).get(TENANT, large.contentId),
  ).toMatchObject({
    status: 'inProgress',
  });
  // Its first records are reserved in the record-Id log: the restarted worker must still write them.
  const logs: string[] = [];
  const dedupe = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    names.dedupeContainer,
  );
  for await (const b of dedupe.listBlobsFlat({ prefix: `${TENANT}/Audit.Exchange/` })) logs.push(b.name);
  expect(logs.length).toBeGreaterThan(0);
  await kill(children[0]);

  // Storage restarts too, from what it kept on disk.
  await azurite.stop();
  azurite = await startAzurite({ location: dir, ports });
  children.push(await startChild(spec()));
  // Microsoft notifies again, as it does: the finished blobs must not be written twice.
  sim.notifyAgain(published);
  await sim.whenIdle();

  const ledger = new ContentLedger(storage().tableClient(names.ledgerTable));
  await until(
    'every blob to be completed',
    async () => {
      const entries = await Promise.all(published.map((p) => ledger.get(TENANT, p.contentId)));
      return entries.every((e) => e?.status === 'completed') ? true : undefined;
    },
    60_000,
  );
  const queue = new ContentQueue(storage().queueService, names);
  await until(
    'the queue to drain',
    async () => ((await queue.depth()).queued === 0 ? true : undefined),
    30_000,
  );

  expect(await queue.depth()).toEqual({ queued: 0, poison: 0 });
  expect(await ledger.get(TENANT, large.contentId)).toMatchObject({ status: 'completed', attempts: 2 });
  const ids = eventIdsOf(await sinkLines(azurite.connectionString, names.eventsContainer));
  const counts = countsOf(ids);
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...counts.keys()].sort()).toEqual(
    planned.flatMap((p) => p.records.map((r) => String(r.Id))).sort(),
  );
}, 120_000);
