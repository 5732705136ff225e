import { AzuriteInstance, startAzurite } from '../../local/azurite';
import { createStorageClients, StorageClients } from '../../shared/storage/clients';

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

/** A loopback port nothing listens on: bind to port 0, note the port, close. */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
