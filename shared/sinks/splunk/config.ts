/** The splunk sink's typed settings and the documented limits they are checked against. */
import type { NamedSecretSource } from '../../secrets/namedSecret';

export interface SplunkSinkConfig {
  /** SPLUNK_HEC_URL: the HEC base, e.g. https://http-inputs-acme.splunkcloud.com:443 (any /services/collector… path is dropped). */
  url: string;
  token: NamedSecretSource;
  /** SPLUNK_INDEX; absent: the token's default index. */
  index?: string;
  sourcetype: string;
  /** SPLUNK_HEC_ACK: indexer acknowledgement (the token must have it on). */
  ack: boolean;
  ackTimeoutMs: number;
  ackPollMs: number;
  maxBatchBytes: number;
  maxBatchEvents: number;
  requestTimeoutMs: number;
}

export const SPLUNK_DEFAULTS = {
  /** The sourcetype of Splunk's own Office 365 add-on. */
  sourcetype: 'o365:management:activity',
  /**
   * Splunk Cloud Platform documents 1 MB per HEC request (limits.conf [http_input] max_content_length);
   * Splunk Enterprise's default is 800 MiB since 6.5. The smaller works everywhere.
   */
  maxBatchBytes: 1_000_000,
  maxBatchEvents: 1000,
  /** Splunk suggests resending what is not acknowledged within a few minutes. */
  ackTimeoutMs: 120_000,
  ackPollMs: 2_000,
  requestTimeoutMs: 30_000,
  tokenSecretName: 'splunk-hec-token',
} as const;

/** The HEC base URL of a setting that may name the endpoint itself. */
export function hecBaseUrl(url: string): string {
  return url
    .replace(/\/services\/collector(?:\/event(?:\/1\.0)?|\/raw(?:\/1\.0)?)?\/*$/, '')
    .replace(/\/+$/, '');
}
