/**
 * One factory for the three storage services, from the validated StorageConfig. Production uses
 * identity-based URIs (no account keys); local runs and tests use a connection string (Azurite).
 */
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential, TokenCredential } from '@azure/identity';
import { BlobServiceClient, StoragePipelineOptions as BlobPipelineOptions } from '@azure/storage-blob';
import { QueueServiceClient, StoragePipelineOptions as QueuePipelineOptions } from '@azure/storage-queue';
import type { StorageConfig } from '../config/settings';

export interface StorageClients {
  queueService: QueueServiceClient;
  blobService: BlobServiceClient;
  tableClient(name: string): TableClient;
}

/** Retry knobs, mostly for tests that must fail fast against an unreachable endpoint. */
export interface StorageClientOptions {
  /** Tries per call, first one included (SDK default 4). */
  maxTries?: number;
  /** Time allowed to one try, in ms. */
  tryTimeoutMs?: number;
  /** Delay before the first retry, in ms. */
  retryDelayMs?: number;
}

export function createStorageClients(
  storage: StorageConfig,
  credential?: TokenCredential,
  options: StorageClientOptions = {},
): StorageClients {
  const pipeline = pipelineOptions(options);
  const tableRetry = tableRetryOptions(options);

  if (storage.kind === 'connectionString') {
    const cs = storage.connectionString;
    const allowInsecureConnection = tableEndpointIsHttp(cs);
    const tables = new Map<string, TableClient>();
    return {
      queueService: QueueServiceClient.fromConnectionString(cs, pipeline as QueuePipelineOptions),
      blobService: BlobServiceClient.fromConnectionString(cs, pipeline as BlobPipelineOptions),
      tableClient: (name) =>
        cached(tables, name, () =>
          TableClient.fromConnectionString(cs, name, { allowInsecureConnection, ...tableRetry }),
        ),
    };
  }

  const cred =
    credential ?? new DefaultAzureCredential({ managedIdentityClientId: storage.managedIdentityClientId });
  const tableUri = storage.tableServiceUri.replace(/\/+$/, '');
  const tables = new Map<string, TableClient>();
  return {
    queueService: new QueueServiceClient(storage.queueServiceUri, cred, pipeline as QueuePipelineOptions),
    blobService: new BlobServiceClient(storage.blobServiceUri, cred, pipeline as BlobPipelineOptions),
    tableClient: (name) =>
      cached(
        tables,
        name,
        () =>
          new TableClient(tableUri, name, cred, {
            allowInsecureConnection: tableUri.startsWith('http:'),
            ...tableRetry,
          }),
      ),
  };
}

/**
 * The Tables SDK refuses plain http unless told; Azurite serves http. Decides from the connection
 * string itself: the development shorthand, an explicit http TableEndpoint, or an http default protocol.
 */
export function tableEndpointIsHttp(connectionString: string): boolean {
  const parts = parseConnectionString(connectionString);
  if ((parts.get('usedevelopmentstorage') ?? '').toLowerCase() === 'true') return true;
  const endpoint = parts.get('tableendpoint');
  if (endpoint !== undefined) return endpoint.toLowerCase().startsWith('http:');
  return (parts.get('defaultendpointsprotocol') ?? '').toLowerCase() === 'http';
}

function parseConnectionString(cs: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of cs.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

function pipelineOptions(o: StorageClientOptions): QueuePipelineOptions & BlobPipelineOptions {
  if (o.maxTries === undefined && o.tryTimeoutMs === undefined && o.retryDelayMs === undefined) return {};
  return {
    retryOptions: {
      maxTries: o.maxTries,
      tryTimeoutInMs: o.tryTimeoutMs,
      retryDelayInMs: o.retryDelayMs,
      maxRetryDelayInMs: o.retryDelayMs === undefined ? undefined : Math.max(o.retryDelayMs, 1),
    },
  };
}

function tableRetryOptions(o: StorageClientOptions): {
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
} {
  if (o.maxTries === undefined && o.retryDelayMs === undefined) return {};
  return {
    retryOptions: {
      maxRetries: o.maxTries === undefined ? undefined : Math.max(0, o.maxTries - 1),
      retryDelayInMs: o.retryDelayMs,
      maxRetryDelayInMs: o.retryDelayMs === undefined ? undefined : Math.max(o.retryDelayMs, 1),
    },
  };
}

function cached<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
