/**
 * The one place that reads settings (Function App settings arrive as environment variables).
 * Everything is validated once, at start-up; every problem names the setting and what is wrong,
 * and all problems are reported together so a user fixes them in one pass.
 */
import { z } from 'zod';
import { CONTENT_TYPES, ContentType, isContentType } from '../contentTypes';
import { CLOUD_NAMES, CLOUD_PRESETS, CloudEndpoints, CloudName, isCloudName } from './clouds';

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

export interface TenantConfig {
  /** Lower-case GUID. */
  tenantId: string;
  /** Application (client) id of the app registered in this tenant, lower-case GUID. */
  clientId: string;
  cloud: CloudName;
  endpoints: CloudEndpoints;
  displayName?: string;
  secret: TenantSecretSource;
  /** PublisherIdentifier sent on every API request (throttling pool). */
  publisherId: string;
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
  /** Blob container of the record-Id logs that keep one record from being written twice. */
  dedupeContainer: string;
}

export interface AppConfig {
  tenants: readonly TenantConfig[];
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
  maintenance: { schedule: string; backfillLookbackHours: number };
  secretExpiry: { thresholdsDays: readonly number[]; graphCheck: boolean };
  alerts: { webhookUrl?: string };
}

/** Every setting name, so the deployment check can compare code and infra/ name for name. */
export const SETTINGS = {
  O365_TENANT_ID: 'Single-tenant shorthand: the customer tenant id (GUID).',
  O365_CLIENT_ID: 'Single-tenant shorthand: the app (client) id registered in that tenant.',
  O365_CLOUD: `Single-tenant shorthand: one of ${CLOUD_NAMES.join(', ')} (default Commercial).`,
  O365_TENANT_NAME: 'Single-tenant shorthand: display name carried on every event (optional).',
  O365_CLIENT_SECRET_NAME: 'Single-tenant shorthand: Key Vault secret name (default o365-client-secret).',
  O365_CLIENT_SECRET: 'Local runs only: the client secret itself, used when KEY_VAULT_URL is not set.',
  O365_TENANTS: 'Many tenants: JSON array of {tenantId, clientId, cloud?, displayName?, secretName?, ...}.',
  O365_CONTENT_TYPES: `Comma-separated content types (default all: ${CONTENT_TYPES.join(', ')}).`,
  O365_API_BASE_URL: 'Override of the API base URL for every tenant (tests, unconfirmed clouds).',
  O365_AUTHORITY_HOST: 'Override of the Entra authority host for every tenant.',
  O365_TOKEN_SCOPE: 'Override of the token scope for every tenant.',
  O365_GRAPH_BASE_URL: 'Override of the Microsoft Graph base URL for every tenant.',
  PUBLISHER_ID:
    'PublisherIdentifier GUID (your own tenant id as the vendor); default: each customer tenant id.',
  WEBHOOK_AUTH_ID: 'Shared secret sent by Microsoft as Webhook-AuthID; notifications without it are refused.',
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
  DEDUPE_CONTAINER_NAME:
    'Blob container of the record-Id logs that suppress records repeated across blobs (default o365-dedupe).',
  KEY_VAULT_URL: 'Key Vault holding the client secrets, e.g. https://kv-x.vault.azure.net.',
  SECRET_CACHE_SECONDS: 'How long a secret read from Key Vault is reused (default 300).',
  AZURE_CLIENT_ID: 'Client id of the user-assigned managed identity.',
  O365_REQUEST_TIMEOUT_MS: 'Per-request timeout for API calls (default 30000).',
  O365_MAX_ATTEMPTS: 'Tries per API call for throttled and transient failures (default 5).',
  MAINTENANCE_SCHEDULE: 'NCRONTAB schedule of the maintenance timer (default every 15 minutes).',
  BACKFILL_LOOKBACK_HOURS: 'How far back the first backfill looks (default 24, at most 167).',
  SECRET_EXPIRY_THRESHOLDS_DAYS: 'Days before expiry at which to alert (default 30,14,7,1).',
  GRAPH_EXPIRY_CHECK:
    'true to also read the app passwordCredentials from Graph (needs Application.Read.All).',
  ALERT_WEBHOOK_URL: 'Optional incoming-webhook URL (Teams/Slack/generic) that receives every alert.',
} as const;

export type SettingName = keyof typeof SETTINGS;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The API keeps content for 7 days; backfill must start inside that, with an hour of margin. */
export const MAX_LOOKBACK_HOURS = 7 * 24 - 1;

const tenantEntrySchema = z
  .object({
    tenantId: z.string(),
    clientId: z.string(),
    cloud: z.string().optional(),
    displayName: z.string().optional(),
    secretName: z.string().optional(),
    clientSecretSetting: z.string().optional(),
    publisherId: z.string().optional(),
    apiBaseUrl: z.string().optional(),
    authorityHost: z.string().optional(),
    tokenScope: z.string().optional(),
    graphBaseUrl: z.string().optional(),
  })
  .strict();

type TenantEntry = z.infer<typeof tenantEntrySchema>;

class Reader {
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
      this.fail(name, `must be an absolute URL, got "${value}"`);
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
      this.fail(name, `must be a GUID like 00000000-0000-0000-0000-000000000000, got "${value}"`);
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

export function loadConfig(env: Env): AppConfig {
  const r = new Reader(env);

  const keyVaultUrl = r.url('KEY_VAULT_URL', r.raw('KEY_VAULT_URL'), { httpsOnly: true });
  const globalPublisher = r.guid('PUBLISHER_ID', r.raw('PUBLISHER_ID'));
  const globalOverrides = {
    apiBaseUrl: r.url('O365_API_BASE_URL', r.raw('O365_API_BASE_URL'), { httpsOnly: true }),
    authorityHost: r.url('O365_AUTHORITY_HOST', r.raw('O365_AUTHORITY_HOST'), { httpsOnly: true }),
    tokenScope: r.raw('O365_TOKEN_SCOPE'),
    graphBaseUrl: r.url('O365_GRAPH_BASE_URL', r.raw('O365_GRAPH_BASE_URL'), { httpsOnly: true }),
  };

  const tenants = readTenants(r, { keyVaultUrl, globalPublisher, globalOverrides });

  const contentTypes = readContentTypes(r);
  const webhookAddress = r.url('WEBHOOK_URL', r.raw('WEBHOOK_URL'), { httpsOnly: false });
  const authId = r.raw('WEBHOOK_AUTH_ID');
  if (webhookAddress !== undefined && authId === undefined) {
    r.fail('WEBHOOK_AUTH_ID', 'is required when WEBHOOK_URL is set, so forged notifications can be refused');
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

  const config: AppConfig = {
    tenants,
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
      dedupeContainer: r.storageName('DEDUPE_CONTAINER_NAME', 'o365-dedupe', 'container'),
    },
    keyVault: { url: keyVaultUrl, secretCacheSeconds: r.integer('SECRET_CACHE_SECONDS', 300, 0, 86400) },
    managedIdentityClientId: r.guid('AZURE_CLIENT_ID', r.raw('AZURE_CLIENT_ID')),
    api: {
      requestTimeoutMs: r.integer('O365_REQUEST_TIMEOUT_MS', 30000, 100, 600000),
      maxAttempts: r.integer('O365_MAX_ATTEMPTS', 5, 1, 20),
    },
    maintenance: {
      schedule,
      backfillLookbackHours: r.integer('BACKFILL_LOOKBACK_HOURS', 24, 1, MAX_LOOKBACK_HOURS),
    },
    secretExpiry: { thresholdsDays: thresholds, graphCheck: r.boolean('GRAPH_EXPIRY_CHECK', false) },
    alerts: { webhookUrl: r.url('ALERT_WEBHOOK_URL', r.raw('ALERT_WEBHOOK_URL'), { httpsOnly: false }) },
  };

  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

interface TenantDefaults {
  keyVaultUrl?: string;
  globalPublisher?: string;
  globalOverrides: Partial<CloudEndpoints>;
}

function readTenants(r: Reader, defaults: TenantDefaults): TenantConfig[] {
  const listRaw = r.raw('O365_TENANTS');
  const singleId = r.raw('O365_TENANT_ID');
  if (listRaw !== undefined && singleId !== undefined) {
    r.fail('O365_TENANTS', 'set either O365_TENANTS or O365_TENANT_ID/O365_CLIENT_ID, not both');
    return [];
  }
  if (listRaw === undefined) {
    if (singleId === undefined) {
      r.fail('O365_TENANT_ID', 'is required (or list several tenants in O365_TENANTS)');
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
    };
    const singleNames: Partial<Record<keyof TenantEntry, string>> = {
      tenantId: 'O365_TENANT_ID',
      clientId: 'O365_CLIENT_ID',
      cloud: 'O365_CLOUD',
    };
    const t = buildTenant(r, entry, (field) => singleNames[field] ?? field, defaults);
    return t ? [t] : [];
  }

  let json: unknown;
  try {
    json = JSON.parse(listRaw);
  } catch (e) {
    r.fail('O365_TENANTS', `is not valid JSON (${(e as Error).message})`);
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
  if (!defaults.keyVaultUrl && fallbackValue === undefined) {
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
    publisherId: publisherId ?? tenantId,
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
export function loadConfigFromEnvironment(): AppConfig {
  return loadConfig(process.env);
}
