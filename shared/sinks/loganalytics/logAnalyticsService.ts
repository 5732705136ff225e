/**
 * The loganalytics sink's service: one framework batch is one upload of rows through
 * `LogsIngestionClient` to the DCR's stream. The SDK reports each failed call with the rows it
 * carried (`onError`), so every row gets its own outcome: uploaded → done; throttled (429) or
 * failed (5xx, network) → retry, after Retry-After when the service gave one; refused as too large
 * or malformed → rejected when the call carried that one row, otherwise a setting problem; the
 * identity or the DCR refused → the request fails as a whole. Delivery is at least once: rows of a
 * call that failed after the service stored it come again (OfficeId = event.id to dedupe on).
 */
import type { TokenCredential } from '@azure/core-auth';
import { isAggregateLogsUploadError } from '@azure/monitor-ingestion';
import type {
  BatchSinkService,
  EncodedEvent,
  ItemOutcome,
  SinkEvent,
  SinkHealth,
  SinkLimits,
} from '../delivery/model';
import { contentIdTime } from '../blobNdjsonSink';
import type { ContentBlobRef } from '../sink';
import { audienceFor, LOGS_INGESTION_LIMITS, type LogAnalyticsSinkConfig } from './config';
import { encodeLogsRow, rowOf, type LogsRow } from './encoder';
import { classifyLogsIngestionError, SINK_NAME } from './errors';
import type { LogsUploader } from './uploader';

export interface LogAnalyticsServiceOptions {
  /** For the health check: a token for the ingestion audience proves the identity can sign in. */
  credential?: TokenCredential;
  /** Clock for TimeGenerated of an event without a time of its own (default the system clock). */
  now?: () => Date;
}

export class LogAnalyticsService implements BatchSinkService {
  readonly name = SINK_NAME;
  readonly idempotentOnEventId = false;
  readonly limits: SinkLimits = {
    maxBatchBytes: LOGS_INGESTION_LIMITS.maxBatchBytes,
    maxBatchEvents: LOGS_INGESTION_LIMITS.maxBatchEvents,
    maxEventBytes: LOGS_INGESTION_LIMITS.maxBatchBytes,
  };
  private readonly now: () => Date;

  constructor(
    private readonly config: LogAnalyticsSinkConfig,
    private readonly uploader: LogsUploader,
    private readonly options: LogAnalyticsServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  encode(event: SinkEvent, blob: ContentBlobRef): EncodedEvent {
    // An event without a time takes the time in its blob's contentId, else the time it is sent (Log Analytics needs one).
    const fallback = contentIdTime(blob.contentId) ?? this.now();
    return encodeLogsRow(event, fallback.toISOString());
  }

  targetOf(): string {
    return `${this.config.endpoint}/dataCollectionRules/${this.config.dcrImmutableId}/streams/${this.config.streamName}`;
  }

  async send(batch: readonly EncodedEvent[]): Promise<ItemOutcome[]> {
    const rows = batch.map(rowOf);
    const failed = new Map<LogsRow, { cause: Error; rowsInCall: number }>();
    try {
      await this.uploader.upload(this.config.dcrImmutableId, this.config.streamName, rows, {
        maxConcurrency: 1,
        onError: (failure) => {
          for (const row of failure.failedLogs)
            failed.set(row, { cause: failure.cause, rowsInCall: failure.failedLogs.length });
        },
      });
    } catch (error) {
      // The aggregate error repeats what onError reported; anything else failed the whole upload.
      if (!isAggregateLogsUploadError(error)) throw classifyLogsIngestionError(error);
    }
    return rows.map((row) => {
      const failure = failed.get(row);
      if (!failure) return { status: 'done' };
      const e = classifyLogsIngestionError(failure.cause);
      if (e.classification === 'throttled' || e.classification === 'transient') {
        return { status: 'retry', cause: e.classification, reason: e.message, retryAfterMs: e.retryAfterMs };
      }
      const refusedRow = e.classification === 'tooLarge' || e.badRequest === true;
      if (refusedRow && failure.rowsInCall === 1) {
        return { status: 'rejected', reason: e.message, code: e.code, statusCode: e.statusCode };
      }
      throw e;
    });
  }

  async checkHealth(): Promise<SinkHealth> {
    const target = this.targetOf();
    if (!this.options.credential) return { ok: true, detail: `uploads go to ${target}` };
    const scope = `${audienceFor(this.config.endpoint)}/.default`;
    try {
      await this.options.credential.getToken(scope);
      return { ok: true, detail: `token for ${scope} acquired; uploads go to ${target}` };
    } catch (error) {
      return { ok: false, detail: classifyLogsIngestionError(error).message };
    }
  }
}
