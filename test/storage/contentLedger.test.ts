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

describe('ContentLedger', () => {
  const azurite = useAzurite();

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
    expect(Number.isNaN(Date.parse(entry!.completedAt))).toBe(false);
    expect(await ledger.isDone(TENANT, 'blob-1')).toBe(true);
  });

  it('reads back a lost entry with its reason and counts it as done', async () => {
    const { ledger } = await freshLedger();
    await ledger.markLost({
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
    await ledger.markLost({
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

  it('does not downgrade a completed blob to lost when a late expiry error arrives', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({
      tenantId: TENANT,
      contentId: 'done',
      contentType: 'Audit.Exchange',
      eventCount: 3,
    });
    await ledger.markLost({
      tenantId: TENANT,
      contentId: 'done',
      contentType: 'Audit.Exchange',
      reason: 'AF20051',
    });
    expect(await ledger.get(TENANT, 'done')).toMatchObject({ status: 'completed', eventCount: 3 });
  });

  it('records a completion after an earlier loss (the blob was fetched after all)', async () => {
    const { ledger } = await freshLedger();
    await ledger.markLost({
      tenantId: TENANT,
      contentId: 'x',
      contentType: 'Audit.Exchange',
      reason: 'AF20051',
    });
    await ledger.markCompleted({
      tenantId: TENANT,
      contentId: 'x',
      contentType: 'Audit.Exchange',
      eventCount: 1,
    });
    const entry = await ledger.get(TENANT, 'x');
    expect(entry).toMatchObject({ status: 'completed', eventCount: 1 });
    expect(entry?.reason).toBeUndefined();
  });

  it('counts completed and lost per tenant and overall', async () => {
    const { ledger } = await freshLedger();
    await ledger.markCompleted({ tenantId: TENANT, contentId: '1', contentType: 'Audit.General' });
    await ledger.markCompleted({ tenantId: TENANT, contentId: '2', contentType: 'Audit.General' });
    await ledger.markLost({
      tenantId: TENANT,
      contentId: '3',
      contentType: 'Audit.General',
      reason: 'AF20051',
    });
    await ledger.markCompleted({ tenantId: OTHER_TENANT, contentId: '1', contentType: 'Audit.General' });
    expect(await ledger.counts(TENANT)).toEqual({ completed: 2, lost: 1 });
    expect(await ledger.counts(OTHER_TENANT)).toEqual({ completed: 1, lost: 0 });
    expect(await ledger.counts()).toEqual({ completed: 3, lost: 1 });
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
    await ledger.markLost({
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
    expect(await ledger.counts()).toEqual({ completed: 0, lost: 0 });
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
