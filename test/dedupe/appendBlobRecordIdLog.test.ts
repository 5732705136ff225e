import { AppendBlobRecordIdLog } from '../../shared/dedupe/appendBlobRecordIdLog';
import { RecordDedupe } from '../../shared/dedupe/recordDedupe';
import { encodeBlock, recordIdHash } from '../../shared/dedupe/recordIdLog';
import { sha256Hex } from '../../shared/state/tableKeys';
import { StorageOperationError } from '../../shared/storage/storageError';
import { uniqueName, useAzurite } from '../storage/azuriteFixture';

const BUCKET = {
  tenantId: '11111111-2222-3333-4444-555555555555',
  contentType: 'Audit.General' as const,
  day: '2024-05-01',
};

describe('AppendBlobRecordIdLog', () => {
  const azurite = useAzurite();

  async function freshLog(): Promise<AppendBlobRecordIdLog> {
    const log = new AppendBlobRecordIdLog(azurite.clients().blobService, uniqueName('ids', 'queue'));
    await log.ensureExists();
    return log;
  }

  it('creates a log on its first append and answers where each block starts', async () => {
    const log = await freshLog();
    const first = encodeBlock(sha256Hex('a'), [recordIdHash('x')]);
    const second = encodeBlock(sha256Hex('b'), [recordIdHash('y'), recordIdHash('z')]);
    expect(await log.append('t/Audit.General/2024-05-01T10.ids', first)).toBe(0);
    expect(await log.append('t/Audit.General/2024-05-01T10.ids', second)).toBe(first.length);
    expect(
      await log.read('t/Audit.General/2024-05-01T10.ids', first.length, first.length + second.length),
    ).toEqual(second);
  });

  it('lets instances racing on Azure storage agree on one writer per record', async () => {
    const log = await freshLog();
    const instances = [new RecordDedupe(log), new RecordDedupe(log)];
    const shared = ['r1', 'r2', 'r3'].map(recordIdHash);
    const results = await Promise.all(
      ['o1', 'o2', 'o3', 'o4'].map((o, i) => instances[i % 2].reserve(BUCKET, sha256Hex(o), shared)),
    );
    for (let h = 0; h < shared.length; h++) expect(results.filter((r) => !r[h])).toHaveLength(1);
  });

  it('prunes only logs not appended to since the cutoff', async () => {
    const log = await freshLog();
    await log.append('old.ids', encodeBlock(sha256Hex('a'), [recordIdHash('x')]));
    expect(await log.pruneNotModifiedSince(new Date(Date.now() - 60_000))).toBe(0);
    expect(await log.pruneNotModifiedSince(new Date(Date.now() + 60_000))).toBe(1);
    await expect(log.read('old.ids', 0, 1)).rejects.toBeInstanceOf(StorageOperationError);
  });
});
