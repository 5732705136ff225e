/** The loganalytics sink as the composition root builds it: the real LogsIngestionClient behind the service. */
import type { TokenCredential } from '@azure/core-auth';
import type { LogAnalyticsSinkConfig } from './config';
import { LogAnalyticsService } from './logAnalyticsService';
import { createLogsUploader } from './uploader';

export { LogAnalyticsService } from './logAnalyticsService';
export type { LogAnalyticsSinkConfig } from './config';

export function createLogAnalyticsService(
  config: LogAnalyticsSinkConfig,
  credential: TokenCredential,
): LogAnalyticsService {
  return new LogAnalyticsService(config, createLogsUploader(config, credential), { credential });
}
