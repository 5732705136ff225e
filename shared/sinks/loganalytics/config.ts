/** The loganalytics sink's typed settings, the documented limits, and the naming rules. */

export interface LogAnalyticsSinkConfig {
  /**
   * LOGS_INGESTION_ENDPOINT: the logs ingestion endpoint of the data collection endpoint (DCE), or
   * of the DCR itself, e.g. https://dce-x-abcd.westeurope-1.ingest.monitor.azure.com.
   */
  endpoint: string;
  /** LOGS_DCR_IMMUTABLE_ID: the DCR's immutableId, `dcr-` and 32 hex digits. */
  dcrImmutableId: string;
  /** LOGS_STREAM_NAME: the stream the DCR declares (default Custom-O365Audit_CL). */
  streamName: string;
}

/** The custom table the deployment creates and its stream; both documented in docs/sentinel.md. */
export const DEFAULT_TABLE_NAME = 'O365Audit_CL';
export const DEFAULT_STREAM_NAME = `Custom-${DEFAULT_TABLE_NAME}`;

/** Azure Monitor service limits for the Logs Ingestion API. */
export const LOGS_INGESTION_LIMITS = {
  /**
   * 1 MB per call. The SDK cuts uploads into chunks of under 1,000,000 bytes of JSON; batches are
   * built below that, so one batch is one call and the SDK never splits it further.
   */
  maxBatchBytes: 950_000,
  /** No documented row limit per call: bytes decide, this only bounds one request's rows. */
  maxBatchEvents: 10_000,
  /** 64 KB per field value; Log Analytics cuts longer values short, so they are refused here instead. */
  maxFieldBytes: 64 * 1024,
} as const;

export function dcrImmutableIdProblem(value: string): string | undefined {
  return /^dcr-[0-9a-f]{32}$/i.test(value)
    ? undefined
    : `must be the DCR's immutableId, "dcr-" and 32 hex digits (not its name or resource id), got "${value}"`;
}

/** Streams the Logs Ingestion API takes are custom streams the DCR declares: `Custom-<name>`. */
export function streamNameProblem(value: string): string | undefined {
  return /^Custom-[A-Za-z][A-Za-z0-9_]{0,62}$/.test(value)
    ? undefined
    : `must be a stream the DCR declares, "Custom-" and a name of letters, digits and underscores (e.g. ${DEFAULT_STREAM_NAME}), got "${value}"`;
}

/** The token audience follows the cloud of the ingestion endpoint. */
export function audienceFor(endpoint: string): string {
  const host = new URL(endpoint).hostname.toLowerCase();
  if (host.endsWith('.azure.us')) return 'https://monitor.azure.us';
  if (host.endsWith('.azure.cn')) return 'https://monitor.azure.cn';
  return 'https://monitor.azure.com';
}
