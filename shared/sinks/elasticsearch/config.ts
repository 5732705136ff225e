/** The elasticsearch sink's typed settings and the documented limits they are checked against. */
import type { NamedSecretSource } from '../../secrets/namedSecret';

export interface ElasticsearchSinkConfig {
  /** ELASTICSEARCH_URL, e.g. https://my-deployment.es.westeurope.azure.elastic-cloud.com:443 */
  url?: string;
  /** ELASTICSEARCH_CLOUD_ID, the Cloud ID shown for an Elastic Cloud deployment (instead of a URL). */
  cloudId?: string;
  /** The encoded API key (base64 of id:key), from Key Vault. */
  apiKey: NamedSecretSource;
  /** ELASTICSEARCH_INDEX: a data stream (default logs-o365.audit-<namespace>) or an index. */
  index: string;
  maxBatchBytes: number;
  maxBatchEvents: number;
  requestTimeoutMs: number;
}

/**
 * Elasticsearch refuses a request body over `http.max_content_length`, 100mb by default; one event
 * may travel alone up to that, less room for its action line.
 */
export const ELASTICSEARCH_MAX_CONTENT_LENGTH = 100 * 1024 * 1024;

export const ELASTICSEARCH_DEFAULTS = {
  /** What the official client's bulk helper flushes at (flushBytes). */
  maxBatchBytes: 5_000_000,
  maxBatchEvents: 1000,
  requestTimeoutMs: 30_000,
  apiKeySecretName: 'elasticsearch-api-key',
} as const;

/** The data stream Elastic's own Office 365 integration writes, so its dashboards and rules find our events. */
export function defaultElasticsearchIndex(namespace: string): string {
  return `logs-o365.audit-${namespace}`;
}

/** Elasticsearch's rules for index and data stream names; undefined when the name is valid. */
export function indexNameProblem(name: string): string | undefined {
  if (name !== name.toLowerCase()) return 'must be lower case';
  if (/[\\/*?"<>| ,#:]/.test(name)) return 'must not contain \\ / * ? " < > | space , # or :';
  if (/^[-_+]/.test(name)) return 'must not start with -, _ or +';
  if (name === '.' || name === '..') return 'must not be . or ..';
  if (Buffer.byteLength(name) > 255) return 'must be at most 255 bytes';
  return undefined;
}

/** Data stream namespaces: no hyphen (it separates type-dataset-namespace), at most 100 characters. */
export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.includes('-')) return 'must not contain a hyphen';
  if (namespace.length > 100) return 'must be at most 100 characters';
  return indexNameProblem(namespace);
}
