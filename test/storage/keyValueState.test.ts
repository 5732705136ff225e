import { z } from 'zod';
import { StateStore, StateValueError } from '../../shared/state/keyValueState';
import { memoryLogger } from '../../shared/log';
import { uniqueName, useAzurite } from './azuriteFixture';

const alertSchema = z.object({ threshold: z.number(), sentAt: z.string() });

describe('StateStore', () => {
  const azurite = useAzurite();

  async function freshStore() {
    const table = uniqueName('kv');
    const log = memoryLogger();
    const store = new StateStore(azurite.clients().tableClient(table), log);
    await store.ensureExists();
    return { store, table, log };
  }

  it('reads back a value that matches its schema', async () => {
    const { store } = await freshStore();
    await store.set('secret-expiry', 'tenant-a:30', { threshold: 30, sentAt: '2024-05-01T00:00:00Z' });
    expect(await store.get('secret-expiry', 'tenant-a:30', alertSchema)).toEqual({
      threshold: 30,
      sentAt: '2024-05-01T00:00:00Z',
    });
  });

  it('answers undefined for a key never set', async () => {
    const { store } = await freshStore();
    expect(await store.get('secret-expiry', 'missing', alertSchema)).toBeUndefined();
  });

  it('replaces a value on set and removes it on delete; deleting twice is fine', async () => {
    const { store } = await freshStore();
    await store.set('subscriptions', 'last-start', '2024-05-01T00:00:00Z');
    await store.set('subscriptions', 'last-start', '2024-05-01T00:15:00Z');
    expect(await store.get('subscriptions', 'last-start', z.string())).toBe('2024-05-01T00:15:00Z');
    await store.delete('subscriptions', 'last-start');
    expect(await store.get('subscriptions', 'last-start', z.string())).toBeUndefined();
    await expect(store.delete('subscriptions', 'last-start')).resolves.toBeUndefined();
  });

  it('accepts scopes and keys with characters Table keys forbid, and keeps scopes apart', async () => {
    const { store } = await freshStore();
    await store.set('af/20023#', 'tenant?a\\b', 1);
    await store.set('other', 'tenant?a\\b', 2);
    expect(await store.get('af/20023#', 'tenant?a\\b', z.number())).toBe(1);
    expect(await store.get('other', 'tenant?a\\b', z.number())).toBe(2);
  });

  it('reads a value that no longer matches its schema as undefined and logs why, without throwing', async () => {
    const { store, log } = await freshStore();
    await store.set('secret-expiry', 'tenant-a:7', { threshold: 'seven' });
    expect(await store.get('secret-expiry', 'tenant-a:7', alertSchema)).toBeUndefined();
    const warning = log.lines.find((l) => l.level === 'warn');
    expect(warning?.line).toMatch(/does not match its schema/);
    expect(warning?.line).toMatch(/threshold/);
  });

  it('reads a stored value that is not JSON as undefined and logs why', async () => {
    const { store, table, log } = await freshStore();
    await azurite
      .clients()
      .tableClient(table)
      .upsertEntity({ partitionKey: 'kv:scope', rowKey: 'key', value: '{broken' });
    expect(await store.get('scope', 'key', alertSchema)).toBeUndefined();
    expect(log.lines.some((l) => l.level === 'warn' && /not JSON/.test(l.line))).toBe(true);
  });

  it('refuses values JSON cannot carry or the table cannot hold, with a typed error', async () => {
    const { store } = await freshStore();
    await expect(store.set('s', 'bigint', { n: BigInt(1) })).rejects.toBeInstanceOf(StateValueError);
    await expect(store.set('s', 'undefined', undefined)).rejects.toBeInstanceOf(StateValueError);
    await expect(store.set('s', 'large', 'x'.repeat(40_000))).rejects.toThrow(/too large/);
    expect(await store.get('s', 'large', z.string())).toBeUndefined();
  });

  it('survives a restart: a new client reads what the old one wrote', async () => {
    const { store, table } = await freshStore();
    await store.set('af20023', 'tenant-a', { alerted: true });
    const restarted = new StateStore(azurite.clients().tableClient(table));
    expect(await restarted.get('af20023', 'tenant-a', z.object({ alerted: z.boolean() }))).toEqual({
      alerted: true,
    });
  });
});
