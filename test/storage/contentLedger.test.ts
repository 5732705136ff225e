import type { ContentType } from '../../shared/contentTypes';
import { ContentLedger } from '../../shared/state/contentLedger';
import { InvalidTableKeyError, sha256Hex } from '../../shared/state/tableKeys';
import { createStorageClients } from '../../shared/storage/clients';
import { StorageOperationError } from '../../shared/storage/storageError';
import { closedPort, uniqueName, useAzurite } from './azuriteFixture';

const TENANT = '11111111-2222-3333-4444-555555555555';
const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';

// Real contentIds are long and full of `$`; this one also has characters Table keys forbid.
const LONG_ID =
  '20150629200319217004167$20150629200319217004167$audit_sharepoint$Audit_SharePoint$na' +
  '/#?\\'.repeat(3) +
  'x'.repeat(1500);

const LEASE_MS = 60_000;

describe('ContentLedger', () => {
  const azurite = useAzurite();

  /** Claims the blob and records it lost, as the fetch does on AF20051. */
  async function markLost(
    ledger: ContentLedger,
    entry: { tenantId: string; contentId: string; contentType: ContentType; reason: string },
  ): Promise<void> {
    const claimed = await ledger.claim(entry, 'fetch-lost', LEASE_MS);
    if (claimed.outcome !== 'claimed') throw new Error(`expected a claim, got ${claimed.outcome}`);
    expect(await ledger.completeLost(claimed.claim, entry.reason)).toBe('recorded');
  }

  async function freshLedger(): Promise<{ ledger: ContentLedger; table: string }> {
    const table = uniqueName('ledger');
    const ledger = new ContentLedger(azurite.clients().tableClient(table));
    await ledger.ensureExists();
    return { ledger, table };
  }

  it('reads back a completed entry with all its counts', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({
      tenantId: TENANT,
      contentId: 'blob-1',
      contentType: 'Audit.Exchange',
      contentCreated: '2024-05-01T10:00:00.000Z',
      recordCount: 12,
      eventCount: 11,
      duplicateRecords: 1,
      sinkPath: 'o365-events/x.ndjson',
      attempts: 2,
    });
    const entry = await ledger.get(TENANT, 'blob-1');
    expect(entry).toMatchObject({
      tenantId: TENANT,
      contentId: 'blob-1',
      contentType: 'Audit.Exchange',
      status: 'completed',
      contentCreated: '2024-05-01T10:00:00.000Z',
      recordCount: 12,
      eventCount: 11,
      duplicateRecords: 1,
      sinkPath: 'o365-events/x.ndjson',
      attempts: 2,
    });
    expect(Number.isNaN(Date.parse(entry!.completedAt ?? ''))).toBe(false);
    expect(await ledger.isDone(TENANT, 'blob-1')).toBe(true);
  });

  it('reads back a lost entry with its reason and counts it as done', async () => {
    const { ledger } = await freshLedger();
    await markLost(ledger, {
      tenantId: TENANT,
      contentId: 'expired',
      contentType: 'DLP.All',
      reason: 'AF20051: content expired',
    });
    expect(await ledger.get(TENANT, 'expired')).toMatchObject({
      status: 'lost',
      reason: 'AF20051: content expired',
      contentType: 'DLP.All',
    });
    expect(await ledger.isDone(TENANT, 'expired')).toBe(true);
  });

  it('answers undefined and not done for a blob it never saw', async () => {
    const { ledger } = await freshLedger();
    expect(await ledger.get(TENANT, 'never')).toBeUndefined();
    expect(await ledger.isDone(TENANT, 'never')).toBe(false);
  });

  it('keeps a long contentId with $ and key-forbidden characters, keyed by its sha256', async () => {
    const { ledger, table } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: LONG_ID, contentType: 'Audit.SharePoint' });
    expect((await ledger.get(TENANT, LONG_ID))?.contentId).toBe(LONG_ID);
    const raw = await azurite.clients().tableClient(table).getEntity(TENANT, sha256Hex(LONG_ID));
    expect(raw.contentId).toBe(LONG_ID);
  });

  it('keeps tenants apart: the same contentId in another tenant is not done', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: 'shared-id', contentType: 'Audit.General' });
    expect(await ledger.isDone(OTHER_TENANT, 'shared-id')).toBe(false);
  });

  it('filters a listing down to the blobs neither completed nor lost, in order and without repeats', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: 'a', contentType: 'Audit.General' });
    await markLost(ledger, {
      tenantId: TENANT,
      contentId: 'c',
      contentType: 'Audit.General',
      reason: 'AF20051',
    });
    const ids = ['d', 'a', 'b', 'c', LONG_ID, 'b', ...Array.from({ length: 40 }, (_, i) => `n${i}`)];
    expect(await ledger.filterNotDone(TENANT, ids)).toEqual([
      'd',
      'b',
      LONG_ID,
      ...Array.from({ length: 40 }, (_, i) => `n${i}`),
    ]);
    expect(await ledger.filterNotDone(TENANT, [])).toEqual([]);
  });

  it('survives a restart: a new client on the same table sees what the old one wrote', async () => {
    const { ledger, table } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: 'durable', contentType: 'Audit.Exchange' });
    const restarted = new ContentLedger(azurite.clients().tableClient(table));
    expect(await restarted.isDone(TENANT, 'durable')).toBe(true);
    expect(await restarted.filterNotDone(TENANT, ['durable', 'new'])).toEqual(['new']);
  });

  it('counts completed and lost per tenant and overall', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: '1', contentType: 'Audit.General' });
    await ledger.markCompleted({ tenantId: TENANT, contentId: '2', contentType: 'Audit.General' });
    await markLost(ledger, {
      tenantId: TENANT,
      contentId: '3',
      contentType: 'Audit.General',
      reason: 'AF20051',
    });
    await ledger.markCompleted({ tenantId: OTHER_TENANT, contentId: '1', contentType: 'Audit.General' });
    await ledger.claim({ tenantId: TENANT, contentId: '4', contentType: 'Audit.General' }, 'w', LEASE_MS);
    expect(await ledger.counts(TENANT)).toEqual({ completed: 2, lost: 1, inProgress: 1 });
    expect(await ledger.counts(OTHER_TENANT)).toEqual({ completed: 1, lost: 0, inProgress: 0 });
    expect(await ledger.counts()).toEqual({ completed: 3, lost: 1, inProgress: 1 });
  });

  describe('claims', () => {
    const blob = (contentId: string) => ({
      tenantId: TENANT,
      contentId,
      contentType: 'Audit.Exchange' as const,
    });

    it('lets exactly one of many simultaneous claims win, and tells the others how long the lease runs', async () => {
      const { ledger } = await freshLedger();
      const now = new Date();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => ledger.claim(blob('raced'), `worker-${i}`, LEASE_MS, now)),
      );
      const winners = results.filter((r) => r.outcome === 'claimed');
      expect(winners).toHaveLength(1);
      const busy = results.filter((r) => r.outcome === 'busy');
      expect(busy).toHaveLength(5);
      for (const b of busy) {
        if (b.outcome !== 'busy') continue;
        expect(b.leaseUntil.getTime()).toBe(now.getTime() + LEASE_MS);
      }
      expect(await ledger.get(TENANT, 'raced')).toMatchObject({ status: 'inProgress', attempts: 1 });
      expect(await ledger.isDone(TENANT, 'raced')).toBe(false);
    });

    it('answers done for a completed or lost blob instead of claiming it', async () => {
      const { ledger } = await freshLedger();
      await ledger.markCompleted(blob('finished'));
      expect(await ledger.claim(blob('finished'), 'w', LEASE_MS)).toMatchObject({
        outcome: 'done',
        entry: { status: 'completed' },
      });
    });

    it('takes over an expired claim with one more attempt, and lets only one of two takers win', async () => {
      const { ledger } = await freshLedger();
      const t0 = new Date('2024-05-01T10:00:00Z');
      const first = await ledger.claim(blob('crashed'), 'dead-worker', LEASE_MS, t0);
      expect(first.outcome).toBe('claimed');
      const later = new Date(t0.getTime() + LEASE_MS + 1);
      const takers = await Promise.all([
        ledger.claim(blob('crashed'), 'taker-a', LEASE_MS, later),
        ledger.claim(blob('crashed'), 'taker-b', LEASE_MS, later),
      ]);
      const won = takers.filter((r) => r.outcome === 'claimed');
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ claim: { takenOver: true, attempts: 2 } });
      expect(takers.filter((r) => r.outcome === 'busy')).toHaveLength(1);
    });

    it("refuses the completion of a claim that was taken over, and records the new owner's", async () => {
      const { ledger } = await freshLedger();
      const t0 = new Date('2024-05-01T10:00:00Z');
      const slow = await ledger.claim(blob('slow'), 'slow-worker', LEASE_MS, t0);
      const taker = await ledger.claim(
        blob('slow'),
        'taker',
        LEASE_MS,
        new Date(t0.getTime() + LEASE_MS + 1),
      );
      if (slow.outcome !== 'claimed' || taker.outcome !== 'claimed') throw new Error('expected two claims');
      expect(await ledger.complete(slow.claim, { eventCount: 1 })).toBe('superseded');
      expect(await ledger.get(TENANT, 'slow')).toMatchObject({ status: 'inProgress', owner: 'taker' });
      expect(await ledger.complete(taker.claim, { eventCount: 2, suppressedRecords: 1 })).toBe('recorded');
      expect(await ledger.get(TENANT, 'slow')).toMatchObject({
        status: 'completed',
        eventCount: 2,
        suppressedRecords: 1,
      });
      expect(await ledger.complete(slow.claim, { eventCount: 1 })).toBe('alreadyFinished');
    });

    it('lets the next try claim at once after a release, without waiting for the lease', async () => {
      const { ledger } = await freshLedger();
      const first = await ledger.claim(blob('released'), 'w1', LEASE_MS);
      if (first.outcome !== 'claimed') throw new Error('expected a claim');
      await ledger.release(first.claim);
      const next = await ledger.claim(blob('released'), 'w2', LEASE_MS);
      expect(next).toMatchObject({ outcome: 'claimed', claim: { takenOver: true, attempts: 2 } });
      // A release after someone else took over changes nothing.
      await ledger.release(first.claim);
      expect(await ledger.get(TENANT, 'released')).toMatchObject({ owner: 'w2' });
    });

    it('keeps the per-sink map through a takeover', async () => {
      const { ledger, table } = await freshLedger();
      const t0 = new Date('2024-05-01T10:00:00Z');
      await ledger.claim(blob('kept-columns'), 'w1', LEASE_MS, t0);
      await azurite
        .clients()
        .tableClient(table)
        .updateEntity(
          {
            partitionKey: TENANT,
            rowKey: sha256Hex('kept-columns'),
            sinks: '{"blob":{"at":"t","events":1}}',
          },
          'Merge',
        );
      await ledger.claim(blob('kept-columns'), 'w2', LEASE_MS, new Date(t0.getTime() + LEASE_MS + 1));
      const raw = await azurite.clients().tableClient(table).getEntity(TENANT, sha256Hex('kept-columns'));
      expect(raw).toMatchObject({ owner: 'w2', sinks: '{"blob":{"at":"t","events":1}}' });
    });

    it('records the sinks that finished a blob, merged, and hands them to the next claim', async () => {
      const { ledger } = await freshLedger();
      const t0 = new Date('2024-05-01T10:00:00Z');
      const first = await ledger.claim(blob('per-sink'), 'w1', LEASE_MS, t0);
      if (first.outcome !== 'claimed') throw new Error('expected a claim');
      expect(first.claim.sinks).toEqual({});
      const blobDone = { at: t0.toISOString(), events: 3 };
      expect(await ledger.recordSinks(first.claim, { blob: blobDone })).toBe('recorded');
      const esDone = { at: t0.toISOString(), events: 3, deadLettered: 1 };
      expect(await ledger.recordSinks(first.claim, { elasticsearch: esDone })).toBe('recorded');
      await ledger.release(first.claim, t0);

      const retry = await ledger.claim(blob('per-sink'), 'w2', LEASE_MS, t0);
      if (retry.outcome !== 'claimed') throw new Error('expected a claim');
      expect(retry.claim.sinks).toEqual({ blob: blobDone, elasticsearch: esDone });
      // The claim that lost the blob can no longer record anything.
      expect(await ledger.recordSinks(first.claim, { splunk: blobDone })).toBe('superseded');

      const splunkDone = { at: t0.toISOString(), events: 3 };
      expect(await ledger.complete(retry.claim, { eventCount: 3, sinks: { splunk: splunkDone } })).toBe(
        'recorded',
      );
      expect(await ledger.get(TENANT, 'per-sink')).toMatchObject({
        status: 'completed',
        eventCount: 3,
        sinks: { blob: blobDone, elasticsearch: esDone, splunk: splunkDone },
      });
      expect(await ledger.recordSinks(retry.claim, { file: splunkDone })).toBe('recorded');
      expect(await ledger.recordSinks(first.claim, { file: splunkDone })).toBe('alreadyFinished');
    });

    it('reads an unreadable sink map as none, so every sink gets the blob again', async () => {
      const { ledger, table } = await freshLedger();
      const t0 = new Date('2024-05-01T10:00:00Z');
      await ledger.claim(blob('bad-sinks'), 'w1', LEASE_MS, t0);
      await azurite
        .clients()
        .tableClient(table)
        .updateEntity(
          { partitionKey: TENANT, rowKey: sha256Hex('bad-sinks'), sinks: '{"blob":"done"' },
          'Merge',
        );
      const next = await ledger.claim(
        blob('bad-sinks'),
        'w2',
        LEASE_MS,
        new Date(t0.getTime() + LEASE_MS + 1),
      );
      expect(next).toMatchObject({ outcome: 'claimed', claim: { sinks: {} } });
    });

    it('leaves blobs under a live claim out of a listing to enqueue, and puts expired claims back in', async () => {
      const { ledger } = await freshLedger();
      const now = new Date();
      await ledger.claim(blob('live'), 'w', LEASE_MS, now);
      await ledger.claim(blob('expired'), 'w', LEASE_MS, new Date(now.getTime() - 2 * LEASE_MS));
      await ledger.markCompleted(blob('done'));
      expect(await ledger.filterNotDone(TENANT, ['live', 'expired', 'done', 'new'], now)).toEqual([
        'expired',
        'new',
      ]);
    });

    it('sums suppressed records per content type over the blobs finished since a time', async () => {
      const { ledger } = await freshLedger();
      for (const [id, suppressed] of [
        ['s1', 3],
        ['s2', 4],
      ] as const) {
        const c = await ledger.claim(blob(id), 'w', LEASE_MS);
        if (c.outcome === 'claimed') await ledger.complete(c.claim, { suppressedRecords: suppressed });
      }
      await markLost(ledger, { ...blob('s3'), contentType: 'DLP.All', reason: 'AF20051' });
      const summary = await ledger.summarize(TENANT, new Date(Date.now() - 60_000));
      expect(summary.sort((a, b) => a.contentType.localeCompare(b.contentType))).toEqual([
        { contentType: 'Audit.Exchange', completed: 2, lost: 0, suppressedRecords: 7 },
        { contentType: 'DLP.All', completed: 0, lost: 1, suppressedRecords: 0 },
      ]);
      expect(await ledger.summarize(TENANT, new Date(Date.now() + 60_000))).toEqual([]);
    });

    it('answers the status of a blob by its ledger key, for the record-Id logs', async () => {
      const { ledger } = await freshLedger();
      await markLost(ledger, { ...blob('gone'), reason: 'AF20051' });
      expect(await ledger.statusByKey(TENANT, sha256Hex('gone'))).toBe('lost');
      expect(await ledger.statusByKey(TENANT, sha256Hex('never'))).toBeUndefined();
    });

    it('prunes claims abandoned before the cutoff, and keeps live ones', async () => {
      const { ledger } = await freshLedger();
      await ledger.claim(blob('abandoned'), 'w', LEASE_MS, new Date(Date.now() - 10 * 24 * 3600_000));
      await ledger.claim(blob('current'), 'w', LEASE_MS);
      expect(await ledger.pruneFinishedBefore(new Date(Date.now() - 8 * 24 * 3600_000))).toBe(1);
      expect(await ledger.get(TENANT, 'abandoned')).toBeUndefined();
      expect(await ledger.get(TENANT, 'current')).toMatchObject({ status: 'inProgress' });
    });
  });

  it('treats a row that no longer matches its schema as not done, so the blob is fetched again', async () => {
    const { ledger, table } = await freshLedger();
    await azurite
      .clients()
      .tableClient(table)
      .upsertEntity({
        partitionKey: TENANT,
        rowKey: sha256Hex('odd'),
        contentId: 'odd',
        status: 'half-done',
      });
    expect(await ledger.get(TENANT, 'odd')).toBeUndefined();
    expect(await ledger.isDone(TENANT, 'odd')).toBe(false);
  });

  it('rejects a tenantId that cannot be a Table key with a typed error', async () => {
    const { ledger } = await freshLedger();
    await expect(ledger.isDone('tenant/../other', 'x')).rejects.toBeInstanceOf(InvalidTableKeyError);
    await expect(ledger.isDone(TENANT, '')).rejects.toBeInstanceOf(InvalidTableKeyError);
  });

  it('prunes only entries finished before the cutoff', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: 'done-1', contentType: 'Audit.General' });
    await markLost(ledger, {
      tenantId: OTHER_TENANT,
      contentId: 'lost-1',
      contentType: 'DLP.All',
      reason: 'AF20051',
    });
    expect(await ledger.pruneFinishedBefore(new Date(Date.now() - 24 * 3600 * 1000))).toBe(0);
    expect(await ledger.isDone(TENANT, 'done-1')).toBe(true);
    expect(await ledger.pruneFinishedBefore(new Date(Date.now() + 60 * 1000))).toBe(2);
    expect(await ledger.isDone(TENANT, 'done-1')).toBe(false);
    expect(await ledger.isDone(OTHER_TENANT, 'lost-1')).toBe(false);
    expect(await ledger.counts()).toEqual({ completed: 0, lost: 0, inProgress: 0 });
  });

  it('reports an unreachable table service as a StorageOperationError', async () => {
    const port = await closedPort();
    const clients = createStorageClients(
      {
        kind: 'connectionString',
        connectionString: azurite
          .instance()
          .connectionString.replace(
            /TableEndpoint=[^;]+/,
            `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
          ),
      },
      undefined,
      { maxTries: 1, retryDelayMs: 1 },
    );
    const ledger = new ContentLedger(clients.tableClient('unreachable'));
    await expect(ledger.get(TENANT, 'x')).rejects.toBeInstanceOf(StorageOperationError);
    await expect(
      ledger.markCompleted({ tenantId: TENANT, contentId: 'x', contentType: 'Audit.General' }),
    ).rejects.toBeInstanceOf(StorageOperationError);
    await expect(ledger.filterNotDone(TENANT, ['a', 'b'])).rejects.toBeInstanceOf(StorageOperationError);
    await expect(ledger.pruneFinishedBefore(new Date())).rejects.toBeInstanceOf(StorageOperationError);
  });
});
