import { AzuriteInstance, startAzurite } from '../../local/azurite';
import { createStorageClients, StorageClients } from '../../shared/storage/clients';
import { freePort } from '../../local/freePort';

/** One Azurite per test file: started in beforeAll, stopped in afterAll. */
export function useAzurite(): {
  instance(): AzuriteInstance;
  /** A fresh set of clients, as a restarted process would build them. */
  clients(): StorageClients;
} {
  let azurite: AzuriteInstance | undefined;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  const instance = (): AzuriteInstance => {
    if (!azurite) throw new Error('Azurite is not started');
    return azurite;
  };
  return {
    instance,
    clients: () =>
      createStorageClients({ kind: 'connectionString', connectionString: instance().connectionString }),
  };
}

let counter = 0;
/** A table/queue/container name no other test in this file uses. */
export function uniqueName(prefix: string, kind: 'table' | 'queue' = 'table'): string {
  counter++;
  const suffix = `${Date.now().toString(36)}${counter}`;
  return kind === 'table' ? `${prefix}${suffix}` : `${prefix}-${suffix}`;
}

/** A loopback port nothing listens on. */
export const closedPort = freePort;
