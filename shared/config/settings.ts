/**
 * The one place that reads settings (Function App settings arrive as environment variables).
 * Everything is validated once, at start-up; every problem names the setting and what is wrong,
 * and all problems are reported together so a user fixes them in one pass.
 */
import { z } from 'zod';
import { CONTENT_TYPES, ContentType, isContentType } from '../contentTypes';
import {
  CLOUD_NAMES,
  CLOUD_PRESETS,
  CloudEndpoints,
  CloudName,
  isCloudName,
  TOKEN_EXCHANGE_AUDIENCES,
} from './clouds';
import { namespaceProblem } from '../sinks/elasticsearch/config';
import { readSinkSettings, SINK_SETTINGS, type SinkSettings } from './sinkSettings';
import { AZURE_SINK_SETTINGS, readAzureSinkSettings, type AzureSinkSettings } from './azureSinkSettings';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  readonly problems: readonly SettingProblem[];
  constructor(problems: readonly SettingProblem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.setting}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface SettingProblem {
  setting: string;
  message: string;
}

export interface TenantSecretSource {
  /** Name of the Key Vault secret holding this tenant's client secret. */
  keyVaultSecretName: string;
  /** Name of the setting holding the secret value, used only when no Key Vault is configured (local runs). */
  localFallbackSetting?: string;
  /** The fallback value itself, read here so no other module touches the environment. */
  localFallbackValue?: string;
}

export const CREDENTIAL_KINDS = ['secret', 'certificate', 'federated'] as const;
/** How the app proves itself to Entra: a client secret, a certificate, or no secret at all (federated). */
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export interface TenantCertificateSource {
  kind: 'certificate';
  /**
   * Name of the Key Vault certificate. Its private key and certificate are read as the secret of
   * the same name (PEM content type), which a renewal replaces with a new version.
   */
  keyVaultCertificateName: string;
  /** Local runs only (no KEY_VAULT_URL): path of a PEM file with the private key and the certificate. */
  localPemPath?: string;
  /** Name of the setting that gave localPemPath, for error messages. */
  localPemPathSetting?: string;
}

export interface TenantFederatedSource {
  kind: 'federated';
  /** Audience of the managed-identity token the app's federated identity credential trusts. */
  audience: string;
  /** Client id of the user-assigned managed identity whose token is exchanged (AZURE_CLIENT_ID). */
  managedIdentityClientId: string;
}

export type TenantCredentialSource = { kind: 'secret' } | TenantCertificateSource | TenantFederatedSource;

export interface TenantConfig {
  /** Lower-case GUID. */
  tenantId: string;
  /** Application (client) id of the app registered in this tenant, lower-case GUID. */
  clientId: string;
  cloud: CloudName;
  endpoints: CloudEndpoints;
  displayName?: string;
  secret: TenantSecretSource;
  /** Absent means a client secret (`secret` above); the other kinds need no secret. */
  credential?: TenantCredentialSource;
  /** PublisherIdentifier sent on every API request (throttling pool). */
  publisherId: string;
}

/** The tenant's credential source, with the client secret as the default. */
export function credentialOf(tenant: Pick<TenantConfig, 'credential'>): TenantCredentialSource {
  return tenant.credential ?? { kind: 'secret' };
}

export type StorageConfig =
  | { kind: 'connectionString'; connectionString: string }
  | {
      kind: 'identity';
      blobServiceUri: string;
      queueServiceUri: string;
      tableServiceUri: string;
      managedIdentityClientId?: string;
    };

export interface StorageNames {
  contentQueue: string;
  poisonQueue: string;
  ledgerTable: string;
  stateTable: string;
  eventsContainer: string;
  tenantsTable: string;
  /** Blob container of the record-Id logs that keep one record from being written twice. */
  dedupeContainer: string;
}

export interface AppConfig {
  tenants: readonly TenantConfig[];
  /** What turns a tenant entry (settings or the registry) into a TenantConfig: Key Vault, overrides, identity. */
  tenantDefaults: TenantDefaults;
  contentTypes: readonly ContentType[];
  webhook: {
    /** Shared secret Microsoft echoes in Webhook-AuthID; required to accept notifications. */
    authId?: string;
    /** Public address of the webhook function, given to /subscriptions/start. Absent: backfill only. */
    address?: string;
    maxBodyBytes: number;
  };
  storage: StorageConfig;
  names: StorageNames;
  keyVault: { url?: string; secretCacheSeconds: number };
  /** Client id of the user-assigned managed identity (Key Vault, storage, Graph). */
  managedIdentityClientId?: string;
  api: { requestTimeoutMs: number; maxAttempts: number };
  maintenance: {
    schedule: string;
    backfillLookbackHours: number;
    /** Consecutive failed runs of a subscription start or a backfill before it is alerted. */
    failureAlertRuns: number;
    /** Checkpoint lag (minutes) past which backfill is alerted as behind. */
    checkpointLagAlertMinutes: number;
    /** Tenants maintained at once (MAINTENANCE_CONCURRENCY). */
    concurrency: number;
    /** The timer's per-tenant deadline, in milliseconds (MAINTENANCE_TENANT_TIMEOUT_MS). */
    tenantTimeoutMs: number;
  };
  secretExpiry: { thresholdsDays: readonly number[]; graphCheck: boolean };
  alerts: { webhookUrl?: string };
  /** DATA_STREAM_NAMESPACE: the <namespace> of Elastic data stream names (logs-o365.audit-<namespace>). */
  dataStreamNamespace: string;
  /** PRESERVE_ORIGINAL_EVENT: whether events carry the record's exact text as event.original. */
  preserveOriginalEvent: boolean;
  /** SINKS and each chosen sink's settings. */
  sinks: SinkSettings;
  /** The eventhub and loganalytics sinks' settings, when SINKS names them. */
  azureSinks: AzureSinkSettings;
}

/** Every setting name, so the deployment check can compare code and infra/ name for name. */
export const SETTINGS = {
  O365_TENANT_ID: 'Single-tenant shorthand: the customer tenant id (GUID).',
  O365_CLIENT_ID: 'Single-tenant shorthand: the app (client) id registered in that tenant.',
  O365_CLOUD: `Single-tenant shorthand: one of ${CLOUD_NAMES.join(', ')} (default Commercial).`,
  O365_TENANT_NAME: 'Single-tenant shorthand: display name carried on every event (optional).',
  O365_CLIENT_SECRET_NAME: 'Single-tenant shorthand: Key Vault secret name (default o365-client-secret).',
  O365_CLIENT_SECRET: 'Local runs only: the client secret itself, used when KEY_VAULT_URL is not set.',
  O365_CREDENTIAL: 'Single-tenant shorthand: secret (default), certificate or federated.',
  O365_CERTIFICATE_NAME: 'Single-tenant shorthand: Key Vault certificate name (default o365-certificate).',
  O365_CERTIFICATE_PATH:
    'Local runs only: PEM file with the private key and certificate, used when KEY_VAULT_URL is not set.',
  O365_TENANTS:
    'Many tenants: JSON array of {tenantId, clientId, cloud?, displayName?, credential?, secretName?, certificateName?, ...}.',
  O365_CONTENT_TYPES: `Comma-separated content types (default all: ${CONTENT_TYPES.join(', ')}).`,
  O365_API_BASE_URL: 'Override of the API base URL for every tenant (tests, unconfirmed clouds).',
  O365_AUTHORITY_HOST: 'Override of the Entra authority host for every tenant.',
  O365_TOKEN_SCOPE: 'Override of the token scope for every tenant.',
  O365_GRAPH_BASE_URL: 'Override of the Microsoft Graph base URL for every tenant.',
  PUBLISHER_ID:
    'PublisherIdentifier GUID (your own tenant id as the vendor); default: each customer tenant id.',
  WEBHOOK_AUTH_ID:
    'Shared secret sent by Microsoft as Webhook-AuthID (at least 32 characters); notifications without it are refused.',
  WEBHOOK_URL: 'Public https address of the webhook function; without it subscriptions have no webhook.',
  WEBHOOK_MAX_BODY_BYTES: 'Largest notification body accepted (default 1048576).',
  AzureWebJobsStorage: 'Storage connection string (local: UseDevelopmentStorage=true).',
  AzureWebJobsStorage__blobServiceUri: 'Identity-based storage: blob service URI.',
  AzureWebJobsStorage__queueServiceUri: 'Identity-based storage: queue service URI.',
  AzureWebJobsStorage__tableServiceUri: 'Identity-based storage: table service URI.',
  AzureWebJobsStorage__clientId: 'Identity-based storage: user-assigned identity client id.',
  AzureWebJobsStorage__credential: 'Identity-based storage: "managedidentity" (read by the Functions host).',
  CONTENT_QUEUE_NAME: 'Queue of content blobs to fetch (default o365-content).',
  LEDGER_TABLE_NAME: 'Table of content blobs already processed (default o365ledger).',
  STATE_TABLE_NAME: 'Table of checkpoints and alert state (default o365state).',
  EVENTS_CONTAINER_NAME: 'Blob container the NDJSON sink writes to (default o365-events).',
  TENANTS_TABLE_NAME: 'Table of the tenant registry (default o365tenants).',
  DEDUPE_CONTAINER_NAME:
    'Blob container of the record-Id logs that suppress records repeated across blobs (default o365-dedupe).',
  KEY_VAULT_URL: 'Key Vault holding the client secrets, e.g. https://kv-x.vault.azure.net.',
  SECRET_CACHE_SECONDS: 'How long a secret read from Key Vault is reused (default 300).',
  AZURE_CLIENT_ID: 'Client id of the user-assigned managed identity.',
  O365_REQUEST_TIMEOUT_MS: 'Per-request timeout for API calls (default 30000).',
  O365_MAX_ATTEMPTS: 'Tries per API call for throttled and transient failures (default 5).',
  MAINTENANCE_SCHEDULE: 'NCRONTAB schedule of the maintenance timer (default every 15 minutes).',
  BACKFILL_LOOKBACK_HOURS: 'How far back the first backfill looks (default 24, at most 167).',
  MAINTENANCE_ALERT_AFTER_RUNS:
    'Consecutive timer runs a subscription start or backfill may fail before it is alerted (default 3).',
  CHECKPOINT_LAG_ALERT_MINUTES: 'Backfill checkpoint lag, in minutes, that is alerted (default 120).',
  MAINTENANCE_CONCURRENCY: 'Tenants the maintenance timer and health work on at once (default 16).',
  MAINTENANCE_TENANT_TIMEOUT_MS:
    "The timer's deadline per tenant in ms: its API calls are stopped then, the rest waits for the next run (default 120000).",
  SECRET_EXPIRY_THRESHOLDS_DAYS: 'Days before expiry at which to alert (default 30,14,7,1).',
  GRAPH_EXPIRY_CHECK:
    'true to also read the app passwordCredentials from Graph (needs Application.Read.All).',
  ALERT_WEBHOOK_URL: 'Optional https incoming-webhook URL (Teams/Slack/generic) that receives every alert.',
  DATA_STREAM_NAMESPACE:
    'data_stream.namespace of every event (logs-o365.audit-<namespace> in Elastic; default "default").',
  PRESERVE_ORIGINAL_EVENT:
    "true adds each record's exact text as event.original, as Elastic's preserve_original_event does (default false: events a third smaller).",
  ...SINK_SETTINGS,
  ...AZURE_SINK_SETTINGS,
} as const;

export type SettingName = keyof typeof SETTINGS;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * Webhook-AuthID is the only thing between the internet and the queue: short enough to guess, it is
 * no secret. 32 characters is 160 bits as hex (`openssl rand -hex 20` gives 40); azd generates 40.
 */
export const MIN_WEBHOOK_AUTH_ID_CHARS = 32;
/** The API keeps content for 7 days; backfill must start inside that, with an hour of margin. */
export const MAX_LOOKBACK_HOURS = 7 * 24 - 1;

const tenantEntrySchema = z
  .object({
    tenantId: z.string(),
    clientId: z.string(),
    cloud: z.string().optional(),
    displayName: z.string().optional(),
    credential: z.enum(CREDENTIAL_KINDS).optional(),
    secretName: z.string().optional(),
    clientSecretSetting: z.string().optional(),
    certificateName: z.string().optional(),
    certificatePath: z.string().optional(),
    publisherId: z.string().optional(),
    apiBaseUrl: z.string().optional(),
    authorityHost: z.string().optional(),
    tokenScope: z.string().optional(),
    graphBaseUrl: z.string().optional(),
  })
  .strict();

export type TenantEntry = z.infer<typeof tenantEntrySchema>;

export interface LoadConfigOptions {
  /**
   * Default true. False lets a configuration without O365_TENANT_ID/O365_TENANTS load (the tenant
   * registry commands, whose tenants live in Table Storage).
   */
  requireTenants?: boolean;
}

/** Reads and checks settings, collecting every problem (exported for the sinks' settings modules). */
export class Reader {
  readonly problems: SettingProblem[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  fail(setting: string, message: string): void {
    this.problems.push({ setting, message });
  }

  integer(name: SettingName, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!/^-?\d+$/.test(v)) {
      this.fail(name, `must be a whole number, got "${v}"`);
      return fallback;
    }
    const n = Number(v);
    if (n < min || n > max) {
      this.fail(name, `must be between ${min} and ${max}, got ${n}`);
      return fallback;
    }
    return n;
  }

  boolean(name: SettingName, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    this.fail(name, `must be true or false, got "${v}"`);
    return fallback;
  }

  url(name: string, value: string | undefined, opts: { httpsOnly: boolean }): string | undefined {
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      // The value is not repeated: incoming-webhook URLs carry their token in the path, storage URIs
      // a SAS in the query, and this message goes to the logs.
      this.fail(name, `must be an absolute URL such as https://host/path (${lengthOf(value)}, not shown)`);
      return undefined;
    }
    if (opts.httpsOnly ? parsed.protocol !== 'https:' : !/^https?:$/.test(parsed.protocol)) {
      this.fail(name, `must use ${opts.httpsOnly ? 'https' : 'http or https'}, got "${parsed.protocol}"`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }

  guid(name: string, value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    if (!GUID.test(value)) {
      // Not repeated either: the commonest mistake here is a client secret pasted into the wrong field.
      this.fail(
        name,
        `must be a GUID like 00000000-0000-0000-0000-000000000000 (${lengthOf(value)}, not shown)`,
      );
      return undefined;
    }
    return value.toLowerCase();
  }

  storageName(name: SettingName, fallback: string, kind: 'queue' | 'table' | 'container'): string {
    const v = this.raw(name) ?? fallback;
    const ok =
      kind === 'table'
        ? /^[A-Za-z][A-Za-z0-9]{2,62}$/.test(v)
        : /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(v);
    if (!ok) {
      const rule =
        kind === 'table'
          ? '3-63 letters or digits, starting with a letter'
          : '3-63 lower-case letters, digits or single hyphens, not starting or ending with a hyphen';
      this.fail(name, `is not a valid ${kind} name (${rule}): "${v}"`);
    }
    return v;
  }
}

function lengthOf(value: string): string {
  return `got ${value.length} character${value.length === 1 ? '' : 's'}`;
}

/**
 * Why a JSON setting does not parse, without the excerpt of the input that JSON.parse puts in its
 * message (Node 20 and later quote the text around the error): only where it went wrong.
 */
function jsonProblem(error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? 'is not valid JSON' : `is not valid JSON (error at character ${position})`;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): AppConfig {
  const r = new Reader(env);
  const managedIdentityClientId = r.guid('AZURE_CLIENT_ID', r.raw('AZURE_CLIENT_ID'));

  const keyVaultUrl = r.url('KEY_VAULT_URL', r.raw('KEY_VAULT_URL'), { httpsOnly: true });
  const globalPublisher = r.guid('PUBLISHER_ID', r.raw('PUBLISHER_ID'));
  const globalOverrides = {
    apiBaseUrl: r.url('O365_API_BASE_URL', r.raw('O365_API_BASE_URL'), { httpsOnly: true }),
    authorityHost: r.url('O365_AUTHORITY_HOST', r.raw('O365_AUTHORITY_HOST'), { httpsOnly: true }),
    tokenScope: r.raw('O365_TOKEN_SCOPE'),
    graphBaseUrl: r.url('O365_GRAPH_BASE_URL', r.raw('O365_GRAPH_BASE_URL'), { httpsOnly: true }),
  };

  const tenantDefaults: TenantDefaults = {
    keyVaultUrl,
    globalPublisher,
    globalOverrides,
    managedIdentityClientId,
  };
  const tenants = readTenants(r, tenantDefaults, options.requireTenants ?? true);

  const contentTypes = readContentTypes(r);
  const webhookAddress = r.url('WEBHOOK_URL', r.raw('WEBHOOK_URL'), { httpsOnly: false });
  const authId = r.raw('WEBHOOK_AUTH_ID');
  if (webhookAddress !== undefined && authId === undefined) {
    r.fail('WEBHOOK_AUTH_ID', 'is required when WEBHOOK_URL is set, so forged notifications can be refused');
  }
  if (authId !== undefined && authId.length < MIN_WEBHOOK_AUTH_ID_CHARS) {
    r.fail(
      'WEBHOOK_AUTH_ID',
      `must be at least ${MIN_WEBHOOK_AUTH_ID_CHARS} characters (${lengthOf(authId)}); make one with: openssl rand -hex 20`,
    );
  }

  const storage = readStorage(r);
  const contentQueue = r.storageName('CONTENT_QUEUE_NAME', 'o365-content', 'queue');
  if (contentQueue.length > 56) {
    r.fail(
      'CONTENT_QUEUE_NAME',
      'must be at most 56 characters, so that "<name>-poison" is a valid queue name',
    );
  }

  const thresholds = readThresholds(r);
  const schedule = r.raw('MAINTENANCE_SCHEDULE') ?? '0 */15 * * * *';
  if (schedule.split(/\s+/).length !== 6) {
    r.fail('MAINTENANCE_SCHEDULE', `must be a six-field NCRONTAB expression, got "${schedule}"`);
  }

  const dataStreamNamespace = r.raw('DATA_STREAM_NAMESPACE') ?? 'default';
  const namespaceIssue = namespaceProblem(dataStreamNamespace);
  if (namespaceIssue) r.fail('DATA_STREAM_NAMESPACE', `"${dataStreamNamespace}" ${namespaceIssue}`);

  const sinks = readSinkSettings(r, { keyVaultUrl, dataStreamNamespace });
  const config: AppConfig = {
    tenants,
    tenantDefaults,
    contentTypes,
    webhook: {
      authId,
      address: webhookAddress,
      maxBodyBytes: r.integer('WEBHOOK_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
    storage,
    names: {
      contentQueue,
      poisonQueue: `${contentQueue}-poison`,
      ledgerTable: r.storageName('LEDGER_TABLE_NAME', 'o365ledger', 'table'),
      stateTable: r.storageName('STATE_TABLE_NAME', 'o365state', 'table'),
      eventsContainer: r.storageName('EVENTS_CONTAINER_NAME', 'o365-events', 'container'),
      tenantsTable: r.storageName('TENANTS_TABLE_NAME', 'o365tenants', 'table'),
      dedupeContainer: r.storageName('DEDUPE_CONTAINER_NAME', 'o365-dedupe', 'container'),
    },
    keyVault: { url: keyVaultUrl, secretCacheSeconds: r.integer('SECRET_CACHE_SECONDS', 300, 0, 86400) },
    managedIdentityClientId,
    api: {
      requestTimeoutMs: r.integer('O365_REQUEST_TIMEOUT_MS', 30000, 100, 600000),
      maxAttempts: r.integer('O365_MAX_ATTEMPTS', 5, 1, 20),
    },
    maintenance: {
      schedule,
      backfillLookbackHours: r.integer('BACKFILL_LOOKBACK_HOURS', 24, 1, MAX_LOOKBACK_HOURS),
      failureAlertRuns: r.integer('MAINTENANCE_ALERT_AFTER_RUNS', 3, 1, 100),
      // Past 7 days the content is gone, so a threshold beyond that could never warn in time.
      checkpointLagAlertMinutes: r.integer('CHECKPOINT_LAG_ALERT_MINUTES', 120, 15, 6 * 24 * 60),
      concurrency: r.integer('MAINTENANCE_CONCURRENCY', 16, 1, 64),
      // Up to 5 minutes: a tenant must fit the timer's 10-minute budget with room for the others.
      tenantTimeoutMs: r.integer('MAINTENANCE_TENANT_TIMEOUT_MS', 120_000, 1000, 300_000),
    },
    secretExpiry: { thresholdsDays: thresholds, graphCheck: r.boolean('GRAPH_EXPIRY_CHECK', false) },
    // https only: every alert carries tenant ids and what went wrong, and the URL is itself a credential.
    alerts: { webhookUrl: r.url('ALERT_WEBHOOK_URL', r.raw('ALERT_WEBHOOK_URL'), { httpsOnly: true }) },
    dataStreamNamespace,
    preserveOriginalEvent: r.boolean('PRESERVE_ORIGINAL_EVENT', false),
    sinks,
    azureSinks: readAzureSinkSettings(r, sinks.enabled),
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

export interface TenantDefaults {
  keyVaultUrl?: string;
  globalPublisher?: string;
  globalOverrides: Partial<CloudEndpoints>;
  /** AZURE_CLIENT_ID: the user-assigned identity a federated credential exchanges a token of. */
  managedIdentityClientId?: string;
}

/**
 * One tenant entry (e.g. a registry row) turned into a TenantConfig by the same rules as the
 * settings, or the problems that stop it. `env` holds local fallbacks named by the entry, if any.
 */
export function tenantFromEntry(
  entry: TenantEntry,
  defaults: TenantDefaults,
  env: Env = {},
): TenantConfig | ConfigError {
  const r = new Reader(env);
  const tenant = buildTenant(r, entry, (field) => field, defaults);
  if (r.problems.length > 0 || !tenant) {
    return new ConfigError(
      r.problems.length > 0 ? r.problems : [{ setting: 'tenantId', message: 'is not usable' }],
    );
  }
  return tenant;
}

function readTenants(r: Reader, defaults: TenantDefaults, required: boolean): TenantConfig[] {
  const listRaw = r.raw('O365_TENANTS');
  const singleId = r.raw('O365_TENANT_ID');
  if (listRaw !== undefined && singleId !== undefined) {
    r.fail('O365_TENANTS', 'set either O365_TENANTS or O365_TENANT_ID/O365_CLIENT_ID, not both');
    return [];
  }
  if (listRaw === undefined) {
    if (singleId === undefined) {
      if (required) r.fail('O365_TENANT_ID', 'is required (or list several tenants in O365_TENANTS)');
      return [];
    }
    const clientId = r.raw('O365_CLIENT_ID');
    if (clientId === undefined) {
      r.fail('O365_CLIENT_ID', 'is required when O365_TENANT_ID is set');
      return [];
    }
    const entry: TenantEntry = {
      tenantId: singleId,
      clientId,
      cloud: r.raw('O365_CLOUD'),
      displayName: r.raw('O365_TENANT_NAME'),
      secretName: r.raw('O365_CLIENT_SECRET_NAME') ?? 'o365-client-secret',
      clientSecretSetting: 'O365_CLIENT_SECRET',
      certificateName: r.raw('O365_CERTIFICATE_NAME') ?? 'o365-certificate',
      certificatePath: r.raw('O365_CERTIFICATE_PATH'),
    };
    const credential = r.raw('O365_CREDENTIAL');
    if (credential !== undefined) {
      if ((CREDENTIAL_KINDS as readonly string[]).includes(credential)) {
        entry.credential = credential as CredentialKind;
      } else {
        r.fail('O365_CREDENTIAL', `must be one of ${CREDENTIAL_KINDS.join(', ')}, got "${credential}"`);
        return [];
      }
    }
    const singleNames: Partial<Record<keyof TenantEntry, string>> = {
      tenantId: 'O365_TENANT_ID',
      clientId: 'O365_CLIENT_ID',
      cloud: 'O365_CLOUD',
      credential: 'O365_CREDENTIAL',
      certificateName: 'O365_CERTIFICATE_NAME',
      certificatePath: 'O365_CERTIFICATE_PATH',
    };
    const t = buildTenant(r, entry, (field) => singleNames[field] ?? field, defaults);
    return t ? [t] : [];
  }

  let json: unknown;
  try {
    json = JSON.parse(listRaw);
  } catch (e) {
    r.fail('O365_TENANTS', jsonProblem(e));
    return [];
  }
  const parsed = z.array(tenantEntrySchema).min(1).safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [index, ...field] = issue.path.map(String);
      const where = index === undefined ? '' : `[${index}]${field.length ? '.' + field.join('.') : ''}`;
      r.fail(`O365_TENANTS${where}`, issue.message);
    }
    return [];
  }
  const tenants: TenantConfig[] = [];
  parsed.data.forEach((entry, i) => {
    const t = buildTenant(r, entry, (field) => `O365_TENANTS[${i}].${field}`, defaults);
    if (t) tenants.push(t);
  });
  const seen = new Set<string>();
  for (const t of tenants) {
    if (seen.has(t.tenantId)) r.fail('O365_TENANTS', `lists tenant ${t.tenantId} more than once`);
    seen.add(t.tenantId);
  }
  return tenants;
}

function buildTenant(
  r: Reader,
  entry: TenantEntry,
  settingOf: (field: keyof TenantEntry) => string,
  defaults: TenantDefaults,
): TenantConfig | undefined {
  const tenantId = r.guid(settingOf('tenantId'), entry.tenantId);
  const clientId = r.guid(settingOf('clientId'), entry.clientId);
  const cloudRaw = entry.cloud ?? 'Commercial';
  if (!isCloudName(cloudRaw)) {
    r.fail(settingOf('cloud'), `must be one of ${CLOUD_NAMES.join(', ')}, got "${cloudRaw}"`);
    return undefined;
  }
  if (!tenantId || !clientId) return undefined;

  const preset = CLOUD_PRESETS[cloudRaw];
  const apiBaseUrl =
    r.url(settingOf('apiBaseUrl'), entry.apiBaseUrl, { httpsOnly: true }) ??
    defaults.globalOverrides.apiBaseUrl ??
    preset.apiBaseUrl;
  const endpoints: CloudEndpoints = {
    apiBaseUrl,
    authorityHost:
      r.url(settingOf('authorityHost'), entry.authorityHost, { httpsOnly: true }) ??
      defaults.globalOverrides.authorityHost ??
      preset.authorityHost,
    // An overridden API host without an explicit scope gets the scope of that host.
    tokenScope:
      entry.tokenScope ??
      defaults.globalOverrides.tokenScope ??
      (apiBaseUrl === preset.apiBaseUrl ? preset.tokenScope : `${apiBaseUrl}/.default`),
    graphBaseUrl:
      r.url(settingOf('graphBaseUrl'), entry.graphBaseUrl, { httpsOnly: true }) ??
      defaults.globalOverrides.graphBaseUrl ??
      preset.graphBaseUrl,
  };

  const fallbackSetting = entry.clientSecretSetting;
  const fallbackValue = fallbackSetting ? r.raw(fallbackSetting) : undefined;
  const credential = readCredential(r, entry, settingOf, defaults, tenantId, cloudRaw);
  if (credential === null) return undefined;
  if (credential.kind === 'secret' && !defaults.keyVaultUrl && fallbackValue === undefined) {
    r.fail(
      fallbackSetting ?? 'KEY_VAULT_URL',
      `no client secret source for tenant ${tenantId}: set KEY_VAULT_URL (production) or ${
        fallbackSetting ?? 'clientSecretSetting'
      } (local runs only)`,
    );
  }

  const publisherId = entry.publisherId
    ? r.guid(settingOf('publisherId'), entry.publisherId)
    : defaults.globalPublisher;

  return {
    tenantId,
    clientId,
    cloud: cloudRaw,
    endpoints,
    displayName: entry.displayName,
    secret: {
      keyVaultSecretName: entry.secretName ?? `o365-client-secret-${tenantId}`,
      localFallbackSetting: fallbackSetting,
      localFallbackValue: fallbackValue,
    },
    ...(credential.kind === 'secret' ? {} : { credential }),
    publisherId: publisherId ?? tenantId,
  };
}

/** Key Vault object names: 1-127 letters, digits and dashes. */
const KEY_VAULT_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** The entry's credential source, or null after reporting why it cannot be used. */
function readCredential(
  r: Reader,
  entry: TenantEntry,
  settingOf: (field: keyof TenantEntry) => string,
  defaults: TenantDefaults,
  tenantId: string,
  cloud: CloudName,
): TenantCredentialSource | null {
  const kind = entry.credential ?? 'secret';
  if (kind === 'secret') return { kind };
  if (kind === 'federated') {
    if (!defaults.managedIdentityClientId) {
      r.fail(
        'AZURE_CLIENT_ID',
        `is required for tenant ${tenantId}'s federated credential: the client id of the user-assigned ` +
          'managed identity that the app registration trusts',
      );
      return null;
    }
    return {
      kind,
      audience: TOKEN_EXCHANGE_AUDIENCES[cloud],
      managedIdentityClientId: defaults.managedIdentityClientId,
    };
  }
  const name = entry.certificateName ?? `o365-certificate-${entry.clientId.toLowerCase()}`;
  if (!KEY_VAULT_NAME.test(name)) {
    r.fail(
      settingOf('certificateName'),
      `is not a Key Vault certificate name (1-127 letters, digits, dashes): "${name}"`,
    );
    return null;
  }
  const localPemPath = entry.certificatePath;
  if (!defaults.keyVaultUrl && localPemPath === undefined) {
    r.fail(
      settingOf('certificatePath'),
      `no certificate source for tenant ${tenantId}: set KEY_VAULT_URL (production) or ${settingOf(
        'certificatePath',
      )} (a PEM file, local runs only)`,
    );
    return null;
  }
  return {
    kind,
    keyVaultCertificateName: name,
    localPemPath,
    localPemPathSetting: localPemPath === undefined ? undefined : settingOf('certificatePath'),
  };
}

function readContentTypes(r: Reader): ContentType[] {
  const raw = r.raw('O365_CONTENT_TYPES');
  if (raw === undefined) return [...CONTENT_TYPES];
  const out: ContentType[] = [];
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = CONTENT_TYPES.find((ct) => ct.toLowerCase() === part.toLowerCase());
    if (!match || !isContentType(match)) {
      r.fail('O365_CONTENT_TYPES', `"${part}" is not one of ${CONTENT_TYPES.join(', ')}`);
    } else if (!out.includes(match)) {
      out.push(match);
    }
  }
  if (out.length === 0 && r.problems.every((p) => p.setting !== 'O365_CONTENT_TYPES')) {
    r.fail('O365_CONTENT_TYPES', 'names no content type');
  }
  return out;
}

function readStorage(r: Reader): StorageConfig {
  const cs = r.raw('AzureWebJobsStorage');
  const blob = r.url('AzureWebJobsStorage__blobServiceUri', r.raw('AzureWebJobsStorage__blobServiceUri'), {
    httpsOnly: false,
  });
  const queue = r.url('AzureWebJobsStorage__queueServiceUri', r.raw('AzureWebJobsStorage__queueServiceUri'), {
    httpsOnly: false,
  });
  const table = r.url('AzureWebJobsStorage__tableServiceUri', r.raw('AzureWebJobsStorage__tableServiceUri'), {
    httpsOnly: false,
  });
  if (cs !== undefined) return { kind: 'connectionString', connectionString: cs };
  if (blob && queue && table) {
    return {
      kind: 'identity',
      blobServiceUri: blob,
      queueServiceUri: queue,
      tableServiceUri: table,
      managedIdentityClientId: r.guid(
        'AzureWebJobsStorage__clientId',
        r.raw('AzureWebJobsStorage__clientId'),
      ),
    };
  }
  r.fail(
    'AzureWebJobsStorage',
    'is required: a connection string (UseDevelopmentStorage=true locally) or the three ' +
      'AzureWebJobsStorage__blobServiceUri/__queueServiceUri/__tableServiceUri settings',
  );
  return { kind: 'connectionString', connectionString: '' };
}

function readThresholds(r: Reader): number[] {
  const raw = r.raw('SECRET_EXPIRY_THRESHOLDS_DAYS');
  if (raw === undefined) return [30, 14, 7, 1];
  const parts = raw.split(',').map((s) => s.trim());
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 365) {
      r.fail('SECRET_EXPIRY_THRESHOLDS_DAYS', `"${p}" is not a whole number of days from 1 to 365`);
    } else {
      out.push(Number(p));
    }
  }
  return [...new Set(out)].sort((a, b) => b - a);
}

/** Reads the process environment: the Function App's settings, or the shell's for local runs. */
export function loadConfigFromEnvironment(options: LoadConfigOptions = {}): AppConfig {
  return loadConfig(process.env, options);
}
