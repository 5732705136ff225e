/**
 * The composition root: builds every client and store once from the validated configuration, for
 * the Azure entry point, the local host, the CLI and the tests alike. Nothing here decides policy.
 */
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { createAlerter } from '../shared/alerts/alerter';
import type { Alert } from '../shared/alerts/model';
import type { AppConfig, TenantConfig } from '../shared/config/settings';
import type { ContentType } from '../shared/contentTypes';
import type { Logger } from '../shared/log';
import { ManagementActivityClient, contentUriProblem } from '../shared/managementApi';
import { DlpSensitiveTypeCache } from '../shared/managementApi/dlpSensitiveTypeCache';
import type { NormalizeContext } from '../shared/normalize';
import type { ContentUriCheck } from '../shared/notifications/validateNotification';
import { ContentQueue } from '../shared/queue/contentQueue';
import { TableExpiryStateStore } from '../shared/secrets/expiryStateStore';
import { SecretExpiryWatch } from '../shared/secrets/expiryWatch';
import { ClientCertificateProvider, createCertificateProvider } from '../shared/secrets/certificateProvider';
import { createManagedIdentityAssertionSource } from '../shared/secrets/federatedCredential';
import { ClientSecretProvider, createSecretProvider } from '../shared/secrets/secretProvider';
import { createTenantCredential } from '../shared/secrets/tenantCredential';
import { AppendBlobRecordIdLog } from '../shared/dedupe/appendBlobRecordIdLog';
import { RecordDedupe } from '../shared/dedupe/recordDedupe';
import { BlobNdjsonSink } from '../shared/sinks/blobNdjsonSink';
import { createContentSinks } from '../shared/sinks/createSinks';
import type { DeliveryOptions } from '../shared/sinks/delivery/batchingContentSink';
import type { ContentSink } from '../shared/sinks/delivery/model';
import type { EventSink } from '../shared/sinks/sink';
import { CheckpointStore } from '../shared/state/checkpoints';
import { ContentLedger } from '../shared/state/contentLedger';
import { StateStore } from '../shared/state/keyValueState';
import { createStorageClients, StorageClients } from '../shared/storage/clients';
import { CachedTenantDirectory, type TenantDirectory } from '../shared/tenants/tenantDirectory';
import { TenantRegistry } from '../shared/tenants/tenantRegistry';
import { credentialCacheKey } from '../shared/secrets/tenantCredential';
import { retryableOnce } from '../shared/retryableOnce';

export interface ServiceOptions {
  /** Where service-level logs and alerts go (each invocation also logs through its own context). */
  logger: Logger;
  /** Identity for Key Vault, identity-based storage and Graph; default DefaultAzureCredential. */
  azureCredential?: TokenCredential;
  /** Only for a local Key Vault stand-in, whose host is not under vault.azure.net. */
  disableKeyVaultChallengeVerification?: boolean;
  /** Passed to every Management API client (tests shorten retries with it). */
  clientOptions?: ConstructorParameters<typeof ManagementActivityClient>[2];
  /** The blob sink's writer instead of NDJSON blobs in the events container (tests). */
  sink?: EventSink;
  /** Every sink instead of those SINKS names (tests). */
  sinks?: ContentSink[];
  /** The HTTP sinks' batching and retry options (tests shorten the backoff). */
  delivery?: Partial<DeliveryOptions>;
  /**
   * Where federated tenants get their managed-identity assertion; default ManagedIdentityCredential
   * of that client id. Tests give a stand-in identity endpoint's credential.
   */
  assertionSourceFor?: (managedIdentityClientId: string) => TokenCredential;
  /** The tenant directory's clock (its cache lasts a minute); tests advance it instead of waiting. */
  directoryClock?: () => Date;
}

export interface ReceiverServices {
  config: AppConfig;
  logger: Logger;
  storage: StorageClients;
  queue: ContentQueue;
  ledger: ContentLedger;
  checkpoints: CheckpointStore;
  state: StateStore;
  /** The configured sinks, in SINKS order. */
  sinks: ContentSink[];
  /** Cross-blob record de-duplication, over the record-Id logs in `recordIdLog`. */
  recordDedupe: RecordDedupe;
  recordIdLog: AppendBlobRecordIdLog;
  secrets: ClientSecretProvider;
  certificates: ClientCertificateProvider;
  expiryWatch: SecretExpiryWatch;
  /** The tenant registry (TENANTS_TABLE_NAME), seeded from the settings by ensureStorage. */
  registry: TenantRegistry;
  /** The tenants served, read from the registry at most a minute old: changes need no restart. */
  directory: TenantDirectory;
  credentialFor(tenant: TenantConfig): TokenCredential;
  clientFor(tenant: TenantConfig): ManagementActivityClient;
  checkContentUri: ContentUriCheck;
  /** The normalizer's settings for a blob: the data stream namespace, and DLP type names for DLP.All. */
  normalizeContext(tenant: TenantConfig, contentType: ContentType): Promise<NormalizeContext>;
  raiseAlert(alert: Alert, logger?: Logger): Promise<void>;
  /** Creates the queues, tables and container if missing, and seeds the registry; cached after the first success. */
  ensureStorage(): Promise<void>;
  /** The registry's table, seeded once per instance from O365_TENANT_ID/O365_TENANTS; part of ensureStorage. */
  ensureTenants(): Promise<void>;
  /** Creates the content queue only: all the webhook needs, so a Table or Blob outage cannot fail it. */
  ensureQueue(): Promise<void>;
}

/**
 * The contentUri check the webhook and the fetch function both apply: the tenant's own API host and
 * tenant path, nothing else (the guard that also runs before any token is sent).
 */
export const checkContentUri: ContentUriCheck = (uri, tenant) => {
  const problem = contentUriProblem(uri, {
    tenantId: tenant.tenantId,
    apiBaseUrl: tenant.endpoints.apiBaseUrl,
  });
  return problem ? problem.detail : undefined;
};

export function createServices(config: AppConfig, options: ServiceOptions): ReceiverServices {
  const azureCredential =
    options.azureCredential ??
    new DefaultAzureCredential({ managedIdentityClientId: config.managedIdentityClientId });
  const storage = createStorageClients(config.storage, azureCredential);
  const queue = new ContentQueue(storage.queueService, config.names);
  const ledger = new ContentLedger(storage.tableClient(config.names.ledgerTable));
  const checkpoints = new CheckpointStore(storage.tableClient(config.names.stateTable));
  const state = new StateStore(storage.tableClient(config.names.stateTable), options.logger);
  // The events container holds the blob sink's files and every sink's dead letters, so it is created
  // whichever sinks are configured.
  const eventsContainer = new BlobNdjsonSink(storage.blobService, config.names.eventsContainer);
  const blobWriter = options.sink ?? eventsContainer;
  const recordIdLog = new AppendBlobRecordIdLog(storage.blobService, config.names.dedupeContainer);
  const recordDedupe = new RecordDedupe(recordIdLog, {
    // A reservation of a blob that can never be written must not hold its records back.
    isLost: async (tenantId, owner) => (await ledger.statusByKey(tenantId, owner)) === 'lost',
    logger: options.logger,
  });
  const secrets = createSecretProvider(config, azureCredential, {
    disableChallengeResourceVerification: options.disableKeyVaultChallengeVerification,
  });
  const sinks =
    options.sinks ??
    createContentSinks(config, {
      blobService: storage.blobService,
      secrets,
      azureCredential,
      blobWriter,
      delivery: options.delivery,
    });
  const certificates = createCertificateProvider(secrets);
  const assertionSources = new Map<string, TokenCredential>();
  const assertionSourceFor = (clientId: string): TokenCredential => {
    let source = assertionSources.get(clientId);
    if (!source) {
      source = (options.assertionSourceFor ?? createManagedIdentityAssertionSource)(clientId);
      assertionSources.set(clientId, source);
    }
    return source;
  };
  const alerter = createAlerter(config, options.logger);
  const raiseAlert = (alert: Alert, logger?: Logger) =>
    (logger ? createAlerter(config, logger) : alerter).raise(alert);

  const registry = new TenantRegistry(storage.tableClient(config.names.tenantsTable));
  const directory = new CachedTenantDirectory(registry, {
    config,
    logger: options.logger,
    clock: options.directoryClock,
  });

  // One credential and one client per tenant, replaced when its registry row changes (another app,
  // credential kind or Key Vault item, cloud or publisher), so an edited row gets a fresh sign-in.
  const credentials = new PerTenantCache<TokenCredential>();
  const clients = new PerTenantCache<ManagementActivityClient>();
  // The watch needs credentialFor and credentialFor reports to the watch; the closure below only
  // runs on a token failure, long after the const is initialized.
  const credentialFor = (tenant: TenantConfig): TokenCredential =>
    credentials.get(tenant.tenantId, credentialCacheKey(tenant), () =>
      createTenantCredential(tenant, {
        secrets,
        certificates,
        assertionSourceFor,
        onTokenFailure: (t, code, error) => expiryWatch.onTokenFailure(t, code, error),
      }),
    );
  const expiryWatch: SecretExpiryWatch = new SecretExpiryWatch({
    secrets,
    certificates,
    store: new TableExpiryStateStore(storage.tableClient(config.names.stateTable)),
    alerter,
    logger: options.logger,
    thresholdsDays: config.secretExpiry.thresholdsDays,
    graph: config.secretExpiry.graphCheck ? { credentialFor } : undefined,
  });
  const clientFor = (tenant: TenantConfig): ManagementActivityClient =>
    clients.get(
      tenant.tenantId,
      `${credentialCacheKey(tenant)}|${tenant.endpoints.apiBaseUrl}|${tenant.publisherId}`,
      () =>
        new ManagementActivityClient(tenant, credentialFor(tenant), {
          requestTimeoutMs: config.api.requestTimeoutMs,
          maxAttempts: config.api.maxAttempts,
          logger: options.logger,
          ...options.clientOptions,
        }),
    );
  const sensitiveTypes = new DlpSensitiveTypeCache(
    async (tenantId) => {
      const lookup = await directory.get(tenantId);
      if (lookup.status !== 'active') throw new Error(lookup.reason);
      return clientFor(lookup.tenant).listDlpSensitiveTypes();
    },
    { logger: options.logger },
  );
  const normalizeContext = async (
    tenant: TenantConfig,
    contentType: ContentType,
  ): Promise<NormalizeContext> => ({
    dataStreamNamespace: config.dataStreamNamespace,
    preserveOriginal: config.preserveOriginalEvent,
    // Only DLP records name sensitive information types, and they all come in DLP.All.
    sensitiveTypeName:
      contentType === 'DLP.All' ? await sensitiveTypes.lookupFor(tenant.tenantId) : undefined,
  });

  const ensureTenants = retryableOnce(async () => {
    await registry.ensureExists();
    const seeded = await registry.seed(config.tenants);
    if (seeded.added.length > 0 || seeded.updated.length > 0) {
      options.logger.info('tenant registry seeded from the settings', {
        added: seeded.added,
        updated: seeded.updated,
      });
    }
  });
  let ready: Promise<void> | undefined;
  const ensureStorage = (): Promise<void> => {
    ready ??= Promise.all([
      queue.ensureExists(),
      ledger.ensureExists(),
      checkpoints.ensureExists(),
      state.ensureExists(),
      eventsContainer.ensureExists(),
      ensureTenants(),
      recordIdLog.ensureExists(),
    ]).then(
      () => undefined,
      (e: unknown) => {
        ready = undefined;
        throw e;
      },
    );
    return ready;
  };

  return {
    config,
    logger: options.logger,
    storage,
    queue,
    ledger,
    checkpoints,
    state,
    sinks,
    recordDedupe,
    recordIdLog,
    secrets,
    certificates,
    expiryWatch,
    registry,
    directory,
    credentialFor,
    clientFor,
    checkContentUri,
    normalizeContext,
    raiseAlert,
    ensureStorage,
    ensureTenants,
    ensureQueue: () => queue.ensureExists(),
  };
}

/** One value per tenant, made again when the tenant's key (what the value was built from) changes. */
class PerTenantCache<T> {
  private readonly entries = new Map<string, { key: string; value: T }>();

  get(tenantId: string, key: string, make: () => T): T {
    const entry = this.entries.get(tenantId);
    if (entry?.key === key) return entry.value;
    const value = make();
    this.entries.set(tenantId, { key, value });
    return value;
  }
}
