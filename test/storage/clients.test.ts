import { AccessToken, TokenCredential } from '@azure/identity';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { ContentLedger } from '../../shared/state/contentLedger';
import { createStorageClients, tableEndpointIsHttp } from '../../shared/storage/clients';
import { useAzurite, uniqueName } from './azuriteFixture';

const DEV_KEY = 'a2V5'; // any base64 works: nothing is signed here

describe('createStorageClients', () => {
  const azurite = useAzurite();

  it('accepts UseDevelopmentStorage=true and points every service at the standard Azurite ports', () => {
    const clients = createStorageClients({
      kind: 'connectionString',
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(clients.blobService.url).toMatch(/^http:\/\/127\.0\.0\.1:10000\/devstoreaccount1\/?$/);
    expect(clients.queueService.url).toMatch(/^http:\/\/127\.0\.0\.1:10001\/devstoreaccount1\/?$/);
    expect(clients.tableClient('o365ledger').url).toMatch(
      /^http:\/\/127\.0\.0\.1:10002\/devstoreaccount1\/?$/,
    );
  });

  it('builds identity-based clients from the three service URIs and the given credential', () => {
    const clients = createStorageClients(
      {
        kind: 'identity',
        blobServiceUri: 'https://stexample.blob.core.windows.net',
        queueServiceUri: 'https://stexample.queue.core.windows.net',
        tableServiceUri: 'https://stexample.table.core.windows.net/',
      },
      fakeCredential([]),
    );
    expect(clients.blobService.url).toMatch(/^https:\/\/stexample\.blob\.core\.windows\.net\/?$/);
    expect(clients.queueService.url).toMatch(/^https:\/\/stexample\.queue\.core\.windows\.net\/?$/);
    const table = clients.tableClient('o365state');
    expect(table.url).toBe('https://stexample.table.core.windows.net');
    expect(table.tableName).toBe('o365state');
    expect(clients.tableClient('o365state')).toBe(table);
  });

  it("sends the credential's bearer token to every service (no account key) over https", async () => {
    const seen: { path: string; authorization?: string }[] = [];
    const server = https.createServer(
      { cert: readFileSync('local/tls/server.pem'), key: readFileSync('local/tls/server.key') },
      (req, res) => {
        seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
        res.writeHead(404, { 'content-type': 'application/json', 'x-ms-error-code': 'ResourceNotFound' });
        res.end(JSON.stringify({ 'odata.error': { code: 'ResourceNotFound', message: { value: 'nope' } } }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const scopes: string[][] = [];
      const base = `https://127.0.0.1:${port}/devstoreaccount1`;
      const clients = createStorageClients(
        { kind: 'identity', blobServiceUri: base, queueServiceUri: base, tableServiceUri: base },
        fakeCredential(scopes),
        { maxTries: 1 },
      );
      expect(await new ContentLedger(clients.tableClient('ledger')).get('t1', 'c1')).toBeUndefined();
      await expect(clients.queueService.getQueueClient('q').getProperties()).rejects.toMatchObject({
        statusCode: 404,
      });
      await expect(
        clients.blobService.getContainerClient('c').getBlockBlobClient('b').getProperties(),
      ).rejects.toMatchObject({ statusCode: 404 });
      expect(seen).toHaveLength(3);
      expect(seen.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
      expect(scopes.flat().every((s) => s === 'https://storage.azure.com/.default')).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reaches Azurite over http with a connection string, tables included', async () => {
    const clients = createStorageClients({
      kind: 'connectionString',
      connectionString: azurite.instance().connectionString,
    });
    const ledger = new ContentLedger(clients.tableClient(uniqueName('clients')));
    await ledger.ensureExists();
    await ledger.markCompleted({ tenantId: 't1', contentId: 'c1', contentType: 'Audit.General' });
    expect(await ledger.isDone('t1', 'c1')).toBe(true);
    await clients.queueService.getQueueClient(uniqueName('q', 'queue')).createIfNotExists();
    await clients.blobService.getContainerClient(uniqueName('c', 'queue')).createIfNotExists();
  });
});

describe('tableEndpointIsHttp', () => {
  it.each([
    ['UseDevelopmentStorage=true', true],
    ['UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1', true],
    [
      `DefaultEndpointsProtocol=http;AccountName=a;AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:1/a;`,
      true,
    ],
    [
      `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.2/a`,
      true,
    ],
    [
      `DefaultEndpointsProtocol=http;AccountName=a;AccountKey=${DEV_KEY};TableEndpoint=https://a.example/`,
      false,
    ],
    [`DefaultEndpointsProtocol=http;AccountName=a;AccountKey=${DEV_KEY}`, true],
    [
      `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${DEV_KEY};EndpointSuffix=core.windows.net`,
      false,
    ],
  ])('%s -> %p', (cs: string, expected: boolean) => {
    expect(tableEndpointIsHttp(cs)).toBe(expected);
  });
});

function fakeCredential(requested: string[][]): TokenCredential {
  return {
    getToken: async (scopes): Promise<AccessToken> => {
      requested.push(Array.isArray(scopes) ? scopes : [scopes]);
      return { token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
