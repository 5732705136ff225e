/**
 * Issue 4, done when: content pushed by the (simulated) tenant reaches the sink exactly once per
 * record, through duplicate notifications, throttling, a server error and an expired blob, while
 * forged webhook requests enqueue nothing.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { generateRecords, type PublishedContent } from '../../local/simulator';
import { CONTENT_TYPES, type ContentType } from '../../shared/contentTypes';
import { AUTH_ID, startReceiverRig, STRANGER, TENANT, type ReceiverRig } from '../../local/receiverRig';
import { countsOf, quickQueues } from './support';

const BLOBS_PER_TYPE = 11;
const RECORDS_PER_BLOB = 4;

interface PublishedBlob {
  content: PublishedContent;
  recordIds: string[];
}

let rig: ReceiverRig;
const live: PublishedBlob[] = [];
let expired: PublishedContent;
let throttled: PublishedContent;
let failing: PublishedContent;
let strangerBlob: PublishedContent;

async function sinkEvents(r: ReceiverRig): Promise<{ ids: string[]; blobs: number }> {
  const service = BlobServiceClient.fromConnectionString(r.azurite.connectionString);
  const container = service.getContainerClient(r.services.config.names.eventsContainer);
  const ids: string[] = [];
  let blobs = 0;
  for await (const item of container.listBlobsFlat()) {
    blobs++;
    const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const event = JSON.parse(line) as { event?: { id?: string } };
      ids.push(String(event.event?.id));
    }
  }
  return { ids, blobs };
}

async function postToWebhook(body: string, authId = AUTH_ID): Promise<number> {
  const response = await fetch(rig.webhookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; utf-8', 'Webhook-AuthID': authId },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

function notificationOf(c: PublishedContent, overrides: Record<string, unknown> = {}): object {
  return {
    tenantId: c.tenantId,
    clientId: rig.services.config.tenants[0].clientId,
    contentType: c.contentType,
    contentId: c.contentId,
    contentUri: c.contentUri,
    contentCreated: c.contentCreated,
    contentExpiration: c.contentExpiration,
    ...overrides,
  };
}

beforeAll(async () => {
  rig = await startReceiverRig({
    // Two tries per request: a single 500 is absorbed by the client, two 403s reach the deferral.
    clientOptions: { maxAttempts: 2, retryDelay: { baseMs: 20, maxMs: 100 } },
    hostJson: quickQueues(),
    deferralBaseSeconds: 1,
  });
  const { sim } = rig;

  // Records are generated here, so the test knows every Id the sink must hold.
  const planned: { contentType: ContentType; records: Record<string, unknown>[] }[] = [];
  CONTENT_TYPES.forEach((contentType, typeIndex) => {
    const records = generateRecords(contentType, BLOBS_PER_TYPE * RECORDS_PER_BLOB, {
      seed: 4100 + typeIndex,
      tenantId: TENANT,
    });
    for (let b = 0; b < BLOBS_PER_TYPE; b++) {
      const slice = records.slice(b * RECORDS_PER_BLOB, (b + 1) * RECORDS_PER_BLOB);
      planned.push({ contentType, records: slice });
    }
  });
  // Microsoft repeats records inside a blob too.
  planned[3].records.push({ ...planned[3].records[0] });

  // Publish quietly first, so the faults are in place before the first notification goes out.
  for (const p of planned) {
    const content = sim.publishContent(TENANT, p.contentType, p.records, { notify: false });
    live.push({ content, recordIds: [...new Set(p.records.map((r) => String(r.Id)))] });
  }
  throttled = live[7].content;
  failing = live[20].content;
  sim.faults.add({ operation: 'fetch', kind: 'throttle-403', contentId: throttled.contentId, times: 2 });
  sim.faults.add({ operation: 'fetch', kind: 'http-500', contentId: failing.contentId, times: 1 });

  expired = sim.publishContent(
    TENANT,
    'Audit.General',
    generateRecords('Audit.General', 3, { seed: 9, tenantId: TENANT }),
    {
      notify: false,
    },
  );
  sim.expireContent(expired.contentId);
  strangerBlob = sim.publishContent(
    STRANGER,
    'Audit.Exchange',
    generateRecords('Audit.Exchange', 2, { seed: 11, tenantId: STRANGER }),
    { notify: false },
  );

  const all = live.map((b) => b.content);
  sim.notifyAgain([...all, expired]);
  // Duplicates while the first copies are still in flight ...
  sim.notifyAgain(all.slice(0, 6));
  await sim.whenIdle();
  await rig.host.whenQueuesIdle({ timeoutMs: 30000 });
  // ... and after they are done.
  sim.notifyAgain(all.slice(10, 20));
  await sim.whenIdle();
  await rig.host.whenQueuesIdle({ timeoutMs: 30000 });
}, 60000);

afterAll(async () => {
  await rig?.stop();
});

describe('push pipeline, end to end', () => {
  it('pushes at least 50 blobs across all five content types', () => {
    expect(live.length).toBeGreaterThanOrEqual(50);
    expect(new Set(live.map((b) => b.content.contentType))).toEqual(new Set(CONTENT_TYPES));
  });

  it('writes every record of every live blob to the sink exactly once', async () => {
    const { ids } = await sinkEvents(rig);
    const expected = live.flatMap((b) => b.recordIds);
    const counts = countsOf(ids);
    const repeated = [...counts].filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);
    expect([...counts.keys()].sort()).toEqual([...expected].sort());
  });

  it('records every live blob as completed in the ledger, with the in-blob duplicate counted', async () => {
    for (const b of live) {
      const entry = await rig.services.ledger.get(TENANT, b.content.contentId);
      expect(entry?.status).toBe('completed');
      expect(entry?.eventCount).toBe(b.recordIds.length);
    }
    const withRepeat = await rig.services.ledger.get(TENANT, live[3].content.contentId);
    expect(withRepeat).toMatchObject({ recordCount: RECORDS_PER_BLOB + 1, duplicateRecords: 1 });
  });

  it('suppresses duplicate notifications through the ledger', () => {
    const duplicates = rig.outcomes.filter((o) => o.status === 'duplicate');
    // The ten re-notified after completion are certainly skipped; early repeats may race and rewrite.
    expect(duplicates.length).toBeGreaterThanOrEqual(10);
    const written = rig.outcomes.filter((o) => o.status === 'written').map((o) => o.message.contentId);
    expect(new Set(written)).toEqual(new Set(live.map((b) => b.content.contentId)));
  });

  it('puts off the throttled fetch and writes the blob on a later try', () => {
    const forThrottled = rig.outcomes.filter((o) => o.message?.contentId === throttled.contentId);
    expect(forThrottled.map((o) => o.status)).toContain('deferred');
    expect(forThrottled.map((o) => o.status)).toContain('written');
    const statuses = rig.sim.requests
      .filter(
        (r) =>
          r.operation === 'fetch' &&
          r.path.endsWith(encodeURIComponent(throttled.contentId).replace(/%24/g, '$')),
      )
      .map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 403)).toHaveLength(2);
  });

  it('retries the transient 500 and writes the blob', () => {
    const fetches = rig.sim.requests.filter((r) => r.operation === 'fetch' && r.statusCode === 500);
    expect(fetches).toHaveLength(1);
    const forFailing = rig.outcomes.filter((o) => o.message?.contentId === failing.contentId);
    expect(forFailing.map((o) => o.status)).toContain('written');
  });

  it('reports the expired blob as lost in the ledger and with a contentLost alert', async () => {
    const entry = await rig.services.ledger.get(TENANT, expired.contentId);
    expect(entry).toMatchObject({ status: 'lost', reason: expect.stringContaining('AF20051') });
    const alerts = rig.logger.lines.filter(
      (l) =>
        l.level === 'error' && l.line.startsWith('M365ReceiverAlert') && l.line.includes('"contentLost"'),
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0].line).toContain(JSON.stringify(expired.contentId));
  });

  it('leaves nothing in the poison queue and answered every delivery with 200 in the end', async () => {
    expect(await rig.services.queue.depth()).toEqual({ queued: 0, poison: 0 });
    const failedDeliveries = rig.sim.deliveries.filter((d) => d.statusCode !== 200);
    expect(failedDeliveries).toEqual([]);
  });

  it('enqueues nothing for forged requests', async () => {
    const before = await sinkEvents(rig);
    const fetchesBefore = rig.host.stats().invocations.fetchContent?.succeeded ?? 0;
    const real = live[0].content;
    const fresh = { ...real, contentId: 'forged$content$1' };
    const feedOf = (tenant: string, id: string) =>
      `${rig.sim.apiBaseUrl}/api/v1.0/${tenant}/activity/feed/audit/${id}`;

    const statuses = {
      wrongAuthId: await postToWebhook(JSON.stringify([notificationOf(fresh)]), 'guessed-auth-id'),
      unknownTenant: await postToWebhook(
        JSON.stringify([notificationOf(strangerBlob, { clientId: rig.services.config.tenants[0].clientId })]),
      ),
      otherHost: await postToWebhook(
        JSON.stringify([
          notificationOf(fresh, {
            contentUri: `https://attacker.example/api/v1.0/${TENANT}/activity/feed/audit/${fresh.contentId}`,
          }),
        ]),
      ),
      otherTenant: await postToWebhook(
        JSON.stringify([notificationOf(fresh, { contentUri: feedOf(STRANGER, strangerBlob.contentId) })]),
      ),
      malformed: await postToWebhook('[{"tenantId":'),
      oversize: await postToWebhook(
        JSON.stringify([notificationOf(fresh, { padding: 'x'.repeat(1024 * 1024) })]),
      ),
    };
    expect(statuses).toEqual({
      wrongAuthId: 401,
      unknownTenant: 200,
      otherHost: 200,
      otherTenant: 200,
      malformed: 400,
      oversize: 413,
    });
    // The webhook enqueues before it answers, so anything accepted would be visible by now.
    expect(await rig.services.queue.depth()).toEqual({ queued: 0, poison: 0 });
    await rig.host.whenQueuesIdle({ timeoutMs: 10000 });
    expect(rig.host.stats().invocations.fetchContent?.succeeded ?? 0).toBe(fetchesBefore);
    expect(await sinkEvents(rig)).toEqual(before);
    const refusals = rig.logger.lines.filter((l) => l.line.startsWith('webhook refused a notification'));
    expect(refusals.map((l) => l.line).join('\n')).toMatch(/not a configured tenant/);
    expect(rig.sim.requests.some((r) => r.path.includes('forged'))).toBe(false);
  });
});
