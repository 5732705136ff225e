/**
 * Issue 9, done when: the same blob notified in separate POSTs and fetched concurrently is written
 * once without InvalidBlockList, a record Microsoft repeats in two blobs lands in the sink once, and
 * content served indented with CRLF still gives one valid JSON document per sink line.
 */
import { generateRecords, type PublishedContent } from '../../local/simulator';
import { AUTH_ID, startReceiverRig, TENANT, type ReceiverRig } from '../../local/receiverRig';
import { buildHealthReport } from '../../shared/maintenance/healthReport';
import { countsOf, eventIdsOf, quickQueues, sinkLines, type SinkLine } from './support';

let rig: ReceiverRig;

beforeAll(async () => {
  rig = await startReceiverRig({
    clientOptions: { maxAttempts: 2, retryDelay: { baseMs: 20, maxMs: 100 } },
    hostJson: quickQueues(),
    deferralBaseSeconds: 1,
  });
}, 30_000);

afterAll(async () => {
  await rig?.stop();
});

async function settle(): Promise<void> {
  await rig.sim.whenIdle();
  await rig.host.whenQueuesIdle({ timeoutMs: 30_000 });
}

const sink = (): Promise<SinkLine[]> =>
  sinkLines(rig.azurite.connectionString, rig.services.config.names.eventsContainer);

const linesOf = (lines: SinkLine[], content: PublishedContent) =>
  lines.filter((l) => l.blob.startsWith(`${content.tenantId}/${content.contentType}/`));

async function postNotification(content: PublishedContent): Promise<number> {
  const response = await fetch(rig.webhookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; utf-8', 'Webhook-AuthID': AUTH_ID },
    body: JSON.stringify([
      {
        tenantId: content.tenantId,
        clientId: rig.services.config.tenants[0].clientId,
        contentType: content.contentType,
        contentId: content.contentId,
        contentUri: content.contentUri,
        contentCreated: content.contentCreated,
        contentExpiration: content.contentExpiration,
      },
    ]),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('exactly once, end to end', () => {
  it('writes a blob notified in four separate POSTs, fetched at the same time, once', async () => {
    const records = generateRecords('Audit.Exchange', 1500, { seed: 9101, tenantId: TENANT });
    const blob = rig.sim.publishContent(TENANT, 'Audit.Exchange', records, { notify: false });
    const statuses = await Promise.all([1, 2, 3, 4].map(() => postNotification(blob)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    await settle();

    const lines = linesOf(await sink(), blob);
    expect(new Set(lines.map((l) => l.blob)).size).toBe(1);
    const counts = countsOf(eventIdsOf(lines));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].sort()).toEqual(records.map((r) => String(r.Id)).sort());

    const outcomes = rig.outcomes.filter((o) => o.message?.contentId === blob.contentId);
    expect(outcomes.filter((o) => o.status === 'written')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'failed')).toEqual([]);
    // The copies overlapped the first fetch: they found its claim and came back later.
    expect(outcomes.some((o) => o.status === 'deferred' && /claim/.test(o.reason))).toBe(true);
    expect(rig.logger.lines.filter((l) => /InvalidBlockList/.test(l.line))).toEqual([]);
    expect(await rig.services.ledger.get(TENANT, blob.contentId)).toMatchObject({ status: 'completed' });
  });

  it('writes a record Microsoft repeats in two blobs once, and counts it in the ledger and the health report', async () => {
    const records = generateRecords('Audit.SharePoint', 6, { seed: 9202, tenantId: TENANT });
    const first = rig.sim.publishContent(TENANT, 'Audit.SharePoint', records.slice(0, 3), { notify: false });
    const second = rig.sim.publishContent(
      TENANT,
      'Audit.SharePoint',
      [{ ...records[2] }, ...records.slice(3)],
      {
        notify: false,
      },
    );
    rig.sim.notifyAgain([first, second]);
    await settle();

    const ids = eventIdsOf(linesOf(await sink(), first));
    expect(ids.sort()).toEqual(records.map((r) => String(r.Id)).sort());
    const entries = await Promise.all(
      [first, second].map((c) => rig.services.ledger.get(TENANT, c.contentId)),
    );
    expect(entries.map((e) => e?.status)).toEqual(['completed', 'completed']);
    expect(entries.reduce((n, e) => n + (e?.suppressedRecords ?? 0), 0)).toBe(1);

    const health = await buildHealthReport(rig.services, new Date());
    const sharePoint = health.tenants[0].contentTypes.find((c) => c.contentType === 'Audit.SharePoint');
    expect(sharePoint?.last24h).toMatchObject({ blobsCompleted: 2, suppressedRecords: 1 });
  });

  it('writes content served indented with CRLF as one valid JSON document per sink line', async () => {
    const records = generateRecords('Audit.AzureActiveDirectory', 5, { seed: 9303, tenantId: TENANT });
    const blob = rig.sim.publishContent(TENANT, 'Audit.AzureActiveDirectory', records, {
      notify: true,
      layout: 'indentedCrlf',
    });
    await settle();
    const lines = linesOf(await sink(), blob);
    expect(lines.filter((l) => /\r/.test(l.text))).toEqual([]);
    expect(eventIdsOf(lines).sort()).toEqual(records.map((r) => String(r.Id)).sort());
    expect(await rig.services.ledger.get(TENANT, blob.contentId)).toMatchObject({ status: 'completed' });
  });
});
