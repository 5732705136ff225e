import { CheckpointStore, InvalidCheckpointTimeError } from '../../shared/state/checkpoints';
import { StateStore } from '../../shared/state/keyValueState';
import { z } from 'zod';
import { uniqueName, useAzurite } from './azuriteFixture';

const TENANT = '11111111-2222-3333-4444-555555555555';
const T0 = new Date('2024-05-01T00:00:00.000Z');
const T1 = new Date('2024-05-01T01:00:00.000Z');
const T2 = new Date('2024-05-01T02:00:00.000Z');

describe('CheckpointStore', () => {
  const azurite = useAzurite();

  async function freshStore(): Promise<{ store: CheckpointStore; table: string }> {
    const table = uniqueName('state');
    const store = new CheckpointStore(azurite.clients().tableClient(table));
    await store.ensureExists();
    return { store, table };
  }

  it('has no checkpoint before backfill advanced one', async () => {
    const { store } = await freshStore();
    expect(await store.get(TENANT, 'Audit.Exchange')).toBeUndefined();
    expect(await store.list()).toEqual([]);
  });

  it('advances forward and never moves backwards', async () => {
    const { store } = await freshStore();
    await store.advance(TENANT, 'Audit.Exchange', T1);
    expect((await store.get(TENANT, 'Audit.Exchange'))?.lastContentCreatedEnd).toBe(T1.toISOString());
    await store.advance(TENANT, 'Audit.Exchange', T0);
    expect((await store.get(TENANT, 'Audit.Exchange'))?.lastContentCreatedEnd).toBe(T1.toISOString());
    await store.advance(TENANT, 'Audit.Exchange', T2);
    expect((await store.get(TENANT, 'Audit.Exchange'))?.lastContentCreatedEnd).toBe(T2.toISOString());
  });

  it('keeps the latest end when several runs advance the same checkpoint at once', async () => {
    const { store } = await freshStore();
    const ends = Array.from({ length: 8 }, (_, i) => new Date(T0.getTime() + ((i * 5) % 8) * 60_000));
    await Promise.all(ends.map((end) => store.advance(TENANT, 'Audit.General', end)));
    const latest = new Date(Math.max(...ends.map((d) => d.getTime())));
    expect((await store.get(TENANT, 'Audit.General'))?.lastContentCreatedEnd).toBe(latest.toISOString());
  });

  it('survives a restart: a new client on the same table reads the checkpoint', async () => {
    const { store, table } = await freshStore();
    await store.advance(TENANT, 'DLP.All', T1);
    await store.recordBackfillRun(TENANT, 'DLP.All', T2);
    const restarted = new CheckpointStore(azurite.clients().tableClient(table));
    expect(await restarted.get(TENANT, 'DLP.All')).toMatchObject({
      tenantId: TENANT,
      contentType: 'DLP.All',
      lastContentCreatedEnd: T1.toISOString(),
      lastBackfillAt: T2.toISOString(),
    });
  });

  it('records notifications before any checkpoint without inventing a window end', async () => {
    const { store } = await freshStore();
    await store.recordNotification(TENANT, 'Audit.SharePoint', T1);
    expect(await store.get(TENANT, 'Audit.SharePoint')).toBeUndefined();
    expect(await store.listActivity()).toEqual([
      expect.objectContaining({
        tenantId: TENANT,
        contentType: 'Audit.SharePoint',
        lastNotificationAt: T1.toISOString(),
      }),
    ]);
    await store.advance(TENANT, 'Audit.SharePoint', T0);
    expect(await store.get(TENANT, 'Audit.SharePoint')).toMatchObject({
      lastContentCreatedEnd: T0.toISOString(),
      lastNotificationAt: T1.toISOString(),
    });
  });

  it('keeps the window end when notifications and backfill runs are recorded afterwards', async () => {
    const { store } = await freshStore();
    await store.advance(TENANT, 'Audit.Exchange', T1);
    await store.recordNotification(TENANT, 'Audit.Exchange', T2);
    await store.recordBackfillRun(TENANT, 'Audit.Exchange', T2);
    expect(await store.get(TENANT, 'Audit.Exchange')).toMatchObject({
      lastContentCreatedEnd: T1.toISOString(),
      lastNotificationAt: T2.toISOString(),
      lastBackfillAt: T2.toISOString(),
    });
  });

  it('writes the notification time at most once a minute per tenant and content type', async () => {
    const { store } = await freshStore();
    const at = (seconds: number) => new Date(T1.getTime() + seconds * 1000);
    await store.recordNotification(TENANT, 'Audit.General', at(0));
    await store.recordNotification(TENANT, 'Audit.General', at(30));
    await store.recordNotification(TENANT, 'DLP.All', at(30));
    const lastOf = async (ct: string) =>
      (await store.listActivity()).find((a) => a.contentType === ct)?.lastNotificationAt;
    expect(await lastOf('Audit.General')).toBe(at(0).toISOString());
    expect(await lastOf('DLP.All')).toBe(at(30).toISOString());
    await store.recordNotification(TENANT, 'Audit.General', at(61));
    expect(await lastOf('Audit.General')).toBe(at(61).toISOString());
  });

  it('lists one checkpoint per tenant and content type, and ignores key/value state in the same table', async () => {
    const { store, table } = await freshStore();
    const other = '99999999-8888-7777-6666-555555555555';
    await store.advance(TENANT, 'Audit.Exchange', T1);
    await store.advance(TENANT, 'Audit.General', T2);
    await store.advance(other, 'Audit.Exchange', T0);
    const state = new StateStore(azurite.clients().tableClient(table));
    await state.set('alerts', 'checkpoint', { sent: true });
    const list = await store.list();
    expect(list.map((c) => `${c.tenantId}|${c.contentType}|${c.lastContentCreatedEnd}`).sort()).toEqual(
      [
        `${TENANT}|Audit.Exchange|${T1.toISOString()}`,
        `${TENANT}|Audit.General|${T2.toISOString()}`,
        `${other}|Audit.Exchange|${T0.toISOString()}`,
      ].sort(),
    );
    expect(await state.get('alerts', 'checkpoint', z.object({ sent: z.boolean() }))).toEqual({ sent: true });
  });

  it('rejects an invalid date with a typed error and leaves the checkpoint alone', async () => {
    const { store } = await freshStore();
    await store.advance(TENANT, 'Audit.Exchange', T1);
    await expect(store.advance(TENANT, 'Audit.Exchange', new Date('not a date'))).rejects.toBeInstanceOf(
      InvalidCheckpointTimeError,
    );
    await expect(store.recordNotification(TENANT, 'Audit.Exchange', new Date(NaN))).rejects.toBeInstanceOf(
      InvalidCheckpointTimeError,
    );
    expect((await store.get(TENANT, 'Audit.Exchange'))?.lastContentCreatedEnd).toBe(T1.toISOString());
  });
});
