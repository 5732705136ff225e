/**
 * The Azure-native sinks' settings (eventhub, loganalytics), read and checked at start-up with the
 * rest (settings.ts calls this with its reader). A sink's settings are checked only when SINKS names
 * it. Neither sink has a secret: both sign in with the Function App's managed identity.
 */
import {
  EVENTHUB_LIMITS,
  eventHubNameProblem,
  namespaceProblem,
  type EventHubSinkConfig,
} from '../sinks/eventhub/config';
import {
  DEFAULT_STREAM_NAME,
  dcrImmutableIdProblem,
  streamNameProblem,
  type LogAnalyticsSinkConfig,
} from '../sinks/loganalytics/config';
import type { Reader, SettingName } from './settings';

export const AZURE_SINK_NAMES = ['eventhub', 'loganalytics'] as const;

export interface AzureSinkSettings {
  eventhub?: EventHubSinkConfig;
  loganalytics?: LogAnalyticsSinkConfig;
}

export const AZURE_SINK_SETTINGS = {
  EVENTHUB_NAMESPACE: 'eventhub sink: fully qualified namespace, e.g. evhns-x.servicebus.windows.net.',
  EVENTHUB_NAME: 'eventhub sink: the event hub the events are sent to.',
  EVENTHUB_MAX_BATCH_BYTES:
    "eventhub sink: largest batch (default: the hub's own limit, 1 MB Standard/Premium, 256 KB Basic).",
  LOGS_INGESTION_ENDPOINT: 'loganalytics sink: logs ingestion endpoint of the DCE (or of the DCR).',
  LOGS_DCR_IMMUTABLE_ID: 'loganalytics sink: immutableId of the data collection rule (dcr-…).',
  LOGS_STREAM_NAME: `loganalytics sink: stream declared in the DCR (default ${DEFAULT_STREAM_NAME}).`,
} as const;

export function readAzureSinkSettings(r: Reader, enabled: readonly string[]): AzureSinkSettings {
  return {
    eventhub: enabled.includes('eventhub') ? readEventHub(r) : undefined,
    loganalytics: enabled.includes('loganalytics') ? readLogAnalytics(r) : undefined,
  };
}

function readEventHub(r: Reader): EventHubSinkConfig {
  const fullyQualifiedNamespace = required(r, 'EVENTHUB_NAMESPACE', 'eventhub', namespaceProblem);
  const eventHubName = required(r, 'EVENTHUB_NAME', 'eventhub', eventHubNameProblem);
  const maxBatchBytes =
    r.raw('EVENTHUB_MAX_BATCH_BYTES') === undefined
      ? undefined
      : r.integer(
          'EVENTHUB_MAX_BATCH_BYTES',
          EVENTHUB_LIMITS.tierBatchBytes,
          EVENTHUB_LIMITS.smallestSettableBatchBytes,
          EVENTHUB_LIMITS.largestSettableBatchBytes,
        );
  return { fullyQualifiedNamespace, eventHubName, maxBatchBytes };
}

function readLogAnalytics(r: Reader): LogAnalyticsSinkConfig {
  const endpointRaw = r.raw('LOGS_INGESTION_ENDPOINT');
  if (endpointRaw === undefined)
    r.fail('LOGS_INGESTION_ENDPOINT', 'is required when SINKS includes loganalytics');
  const endpoint = r.url('LOGS_INGESTION_ENDPOINT', endpointRaw, { httpsOnly: true }) ?? '';
  const dcrImmutableId = required(r, 'LOGS_DCR_IMMUTABLE_ID', 'loganalytics', dcrImmutableIdProblem);
  const streamName = r.raw('LOGS_STREAM_NAME') ?? DEFAULT_STREAM_NAME;
  const streamProblem = streamNameProblem(streamName);
  if (streamProblem) r.fail('LOGS_STREAM_NAME', streamProblem);
  return { endpoint, dcrImmutableId, streamName };
}

function required(
  r: Reader,
  name: SettingName,
  sink: string,
  problemOf: (value: string) => string | undefined,
): string {
  const value = r.raw(name);
  if (value === undefined) {
    r.fail(name, `is required when SINKS includes ${sink}`);
    return '';
  }
  const problem = problemOf(value);
  if (problem) r.fail(name, problem);
  return value;
}
