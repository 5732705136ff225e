/**
 * The sinks' settings, read and checked at start-up with the rest (settings.ts calls this with its
 * reader): which sinks run (SINKS) and each chosen sink's typed settings. A sink's settings are
 * checked only when SINKS names it. Secrets (the Elasticsearch API key, the HEC token) come from Key
 * Vault by secret name; their value settings are the local fallback only.
 */
import path from 'node:path';
import type { NamedSecretSource } from '../secrets/namedSecret';
import {
  defaultElasticsearchIndex,
  ELASTICSEARCH_DEFAULTS,
  ELASTICSEARCH_MAX_CONTENT_LENGTH,
  type ElasticsearchSinkConfig,
  indexNameProblem,
} from '../sinks/elasticsearch/config';
import type { FileSinkConfig } from '../sinks/file/fileSink';
import { SPLUNK_DEFAULTS, type SplunkSinkConfig } from '../sinks/splunk/config';
import type { Reader, SettingName } from './settings';

export const SINK_NAMES = ['blob', 'elasticsearch', 'splunk', 'file', 'eventhub', 'loganalytics'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

export interface SinkSettings {
  /** SINKS, in the order given, without repeats. */
  enabled: readonly SinkName[];
  elasticsearch?: ElasticsearchSinkConfig;
  splunk?: SplunkSinkConfig;
  file?: FileSinkConfig;
}

/** Splunk Enterprise's default limits.conf [http_input] max_content_length (800 MiB). */
const SPLUNK_ENTERPRISE_MAX_CONTENT_LENGTH = 838_860_800;

export const SINK_SETTINGS = {
  SINKS: `Comma-separated sinks every event goes to: ${SINK_NAMES.join(', ')} (default blob).`,
  ELASTICSEARCH_URL:
    'Elasticsearch endpoint, e.g. https://my-deployment.es.westeurope.azure.elastic-cloud.com:443.',
  ELASTICSEARCH_CLOUD_ID: 'Elastic Cloud deployment Cloud ID, instead of ELASTICSEARCH_URL.',
  ELASTICSEARCH_API_KEY_SECRET_NAME:
    'Key Vault secret holding the encoded Elasticsearch API key (default elasticsearch-api-key).',
  ELASTICSEARCH_API_KEY: 'Local runs only: the encoded API key itself, used when KEY_VAULT_URL is not set.',
  ELASTICSEARCH_INDEX: 'Data stream or index written to (default logs-o365.audit-<DATA_STREAM_NAMESPACE>).',
  ELASTICSEARCH_MAX_BATCH_BYTES: `Largest _bulk request body (default ${ELASTICSEARCH_DEFAULTS.maxBatchBytes}).`,
  ELASTICSEARCH_MAX_BATCH_EVENTS: `Most events per _bulk request (default ${ELASTICSEARCH_DEFAULTS.maxBatchEvents}).`,
  SPLUNK_HEC_URL: 'Splunk HTTP Event Collector address, e.g. https://http-inputs-acme.splunkcloud.com:443.',
  SPLUNK_HEC_TOKEN_SECRET_NAME: 'Key Vault secret holding the HEC token (default splunk-hec-token).',
  SPLUNK_HEC_TOKEN: 'Local runs only: the HEC token itself, used when KEY_VAULT_URL is not set.',
  SPLUNK_INDEX: "Splunk index (default: the token's default index).",
  SPLUNK_SOURCETYPE: `Sourcetype of the events (default ${SPLUNK_DEFAULTS.sourcetype}).`,
  SPLUNK_HEC_ACK: 'true when the HEC token has indexer acknowledgement on (Splunk Enterprise).',
  SPLUNK_MAX_BATCH_BYTES: `Largest HEC request body (default ${SPLUNK_DEFAULTS.maxBatchBytes}, Splunk Cloud's limit).`,
  SPLUNK_MAX_BATCH_EVENTS: `Most events per HEC request (default ${SPLUNK_DEFAULTS.maxBatchEvents}).`,
  FILE_SINK_DIR: 'Local runs: folder of the file sink (default ./events).',
} as const;

export function readSinkSettings(
  r: Reader,
  ctx: { keyVaultUrl?: string; dataStreamNamespace: string },
): SinkSettings {
  const enabled = readSinkList(r);
  return {
    enabled,
    elasticsearch: enabled.includes('elasticsearch') ? readElasticsearch(r, ctx) : undefined,
    splunk: enabled.includes('splunk') ? readSplunk(r, ctx) : undefined,
    file: enabled.includes('file') ? { dir: path.resolve(r.raw('FILE_SINK_DIR') ?? 'events') } : undefined,
  };
}

function readSinkList(r: Reader): SinkName[] {
  const raw = r.raw('SINKS');
  if (raw === undefined) return ['blob'];
  const out: SinkName[] = [];
  for (const part of raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    const name = SINK_NAMES.find((n) => n === part);
    if (!name) r.fail('SINKS', `"${part}" is not one of ${SINK_NAMES.join(', ')}`);
    else if (!out.includes(name)) out.push(name);
  }
  if (out.length === 0 && r.problems.every((p) => p.setting !== 'SINKS')) r.fail('SINKS', 'names no sink');
  return out;
}

function readElasticsearch(
  r: Reader,
  ctx: { keyVaultUrl?: string; dataStreamNamespace: string },
): ElasticsearchSinkConfig {
  const url = destinationUrl(r, 'ELASTICSEARCH_URL');
  const cloudId = r.raw('ELASTICSEARCH_CLOUD_ID');
  if (url !== undefined && cloudId !== undefined) {
    r.fail('ELASTICSEARCH_URL', 'set either ELASTICSEARCH_URL or ELASTICSEARCH_CLOUD_ID, not both');
  } else if (cloudId !== undefined) {
    const problem = cloudIdProblem(cloudId);
    if (problem) r.fail('ELASTICSEARCH_CLOUD_ID', problem);
  } else if (url === undefined && r.raw('ELASTICSEARCH_URL') === undefined) {
    r.fail(
      'ELASTICSEARCH_URL',
      'is required when SINKS includes elasticsearch (or set ELASTICSEARCH_CLOUD_ID)',
    );
  }
  const index = r.raw('ELASTICSEARCH_INDEX') ?? defaultElasticsearchIndex(ctx.dataStreamNamespace);
  const indexProblem = indexNameProblem(index);
  if (indexProblem) r.fail('ELASTICSEARCH_INDEX', `"${index}" ${indexProblem}`);
  return {
    url,
    cloudId,
    apiKey: secretSource(r, ctx.keyVaultUrl, 'elasticsearch', {
      nameSetting: 'ELASTICSEARCH_API_KEY_SECRET_NAME',
      valueSetting: 'ELASTICSEARCH_API_KEY',
      defaultName: ELASTICSEARCH_DEFAULTS.apiKeySecretName,
    }),
    index,
    maxBatchBytes: r.integer(
      'ELASTICSEARCH_MAX_BATCH_BYTES',
      ELASTICSEARCH_DEFAULTS.maxBatchBytes,
      1024,
      ELASTICSEARCH_MAX_CONTENT_LENGTH,
    ),
    maxBatchEvents: r.integer(
      'ELASTICSEARCH_MAX_BATCH_EVENTS',
      ELASTICSEARCH_DEFAULTS.maxBatchEvents,
      1,
      100_000,
    ),
    requestTimeoutMs: ELASTICSEARCH_DEFAULTS.requestTimeoutMs,
  };
}

function readSplunk(r: Reader, ctx: { keyVaultUrl?: string }): SplunkSinkConfig {
  const url = destinationUrl(r, 'SPLUNK_HEC_URL');
  if (url === undefined && r.raw('SPLUNK_HEC_URL') === undefined) {
    r.fail('SPLUNK_HEC_URL', 'is required when SINKS includes splunk');
  }
  const index = r.raw('SPLUNK_INDEX');
  // Splunk index names: lower-case letters, digits, _ and -, not starting with _ or -.
  if (index !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(index)) {
    r.fail(
      'SPLUNK_INDEX',
      `"${index}" is not a Splunk index name (lower-case letters, digits, _ and -, not starting with _ or -)`,
    );
  }
  return {
    url: url ?? '',
    token: secretSource(r, ctx.keyVaultUrl, 'splunk', {
      nameSetting: 'SPLUNK_HEC_TOKEN_SECRET_NAME',
      valueSetting: 'SPLUNK_HEC_TOKEN',
      defaultName: SPLUNK_DEFAULTS.tokenSecretName,
    }),
    index,
    sourcetype: r.raw('SPLUNK_SOURCETYPE') ?? SPLUNK_DEFAULTS.sourcetype,
    ack: r.boolean('SPLUNK_HEC_ACK', false),
    ackTimeoutMs: SPLUNK_DEFAULTS.ackTimeoutMs,
    ackPollMs: SPLUNK_DEFAULTS.ackPollMs,
    maxBatchBytes: r.integer(
      'SPLUNK_MAX_BATCH_BYTES',
      SPLUNK_DEFAULTS.maxBatchBytes,
      1024,
      SPLUNK_ENTERPRISE_MAX_CONTENT_LENGTH,
    ),
    maxBatchEvents: r.integer('SPLUNK_MAX_BATCH_EVENTS', SPLUNK_DEFAULTS.maxBatchEvents, 1, 100_000),
    requestTimeoutMs: SPLUNK_DEFAULTS.requestTimeoutMs,
  };
}

/** https, or http to this machine only: the request carries an API key or token. */
function destinationUrl(r: Reader, name: SettingName): string | undefined {
  const url = r.url(name, r.raw(name), { httpsOnly: false });
  if (url === undefined) return undefined;
  const { protocol, hostname } = new URL(url);
  if (protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(hostname)) {
    // The host only: a URL may carry credentials, and this message goes to the logs.
    r.fail(name, `must use https (plain http only to localhost), got http to ${hostname}`);
    return undefined;
  }
  return url;
}

function secretSource(
  r: Reader,
  keyVaultUrl: string | undefined,
  sink: SinkName,
  s: { nameSetting: SettingName; valueSetting: SettingName; defaultName: string },
): NamedSecretSource {
  const value = r.raw(s.valueSetting);
  if (!keyVaultUrl && value === undefined) {
    r.fail(
      s.valueSetting,
      `is required when SINKS includes ${sink} and KEY_VAULT_URL is not set (in Azure, store it in Key Vault ` +
        `as the secret named by ${s.nameSetting})`,
    );
  }
  return {
    keyVaultSecretName: r.raw(s.nameSetting) ?? s.defaultName,
    localFallbackSetting: s.valueSetting,
    localFallbackValue: value,
  };
}

/** A Cloud ID is `<label>:<base64 of host$es-id$kibana-id>`. */
function cloudIdProblem(cloudId: string): string | undefined {
  const at = cloudId.indexOf(':');
  const decoded = at < 0 ? '' : Buffer.from(cloudId.slice(at + 1), 'base64').toString('utf8');
  return decoded.split('$').length >= 2 && decoded.split('$').every(Boolean)
    ? undefined
    : 'is not a Cloud ID (copy it from the deployment page of Elastic Cloud: <name>:<base64>)';
}
