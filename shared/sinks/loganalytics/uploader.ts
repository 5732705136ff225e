/**
 * The part of `LogsIngestionClient` the loganalytics sink uses. Production passes the real client;
 * tests pass the real client too, pointed at an in-process stand-in of the DCR upload endpoint.
 */
import type { TokenCredential } from '@azure/core-auth';
import { LogsIngestionClient, type LogsUploadFailure } from '@azure/monitor-ingestion';
import { audienceFor, type LogAnalyticsSinkConfig } from './config';

export interface LogsUploader {
  upload(
    ruleId: string,
    streamName: string,
    logs: Record<string, unknown>[],
    options?: { maxConcurrency?: number; onError?: (failure: LogsUploadFailure) => void },
  ): Promise<void>;
}

/**
 * The real client, signed in with the managed identity (Monitoring Metrics Publisher on the DCR).
 * Its own retries are off: the sink framework waits out 429/503 with their Retry-After and counts
 * the attempts, instead of the SDK sleeping inside one request.
 */
export function createLogsUploader(
  config: LogAnalyticsSinkConfig,
  credential: TokenCredential,
): LogsUploader {
  return new LogsIngestionClient(config.endpoint, credential, {
    audience: audienceFor(config.endpoint),
    retryOptions: { maxRetries: 0 },
  });
}
