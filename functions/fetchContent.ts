/**
 * Queue-triggered: fetches one content blob, normalizes its records and writes them to the sink,
 * at least once, with the ledger making repeats (duplicate notifications, retries, backfill
 * re-listings) write nothing twice.
 */
import type { InvocationContext } from '@azure/functions';
import type { Alert } from '../shared/alerts/model';
import type { TenantConfig } from '../shared/config/settings';
import { ContentMessage, InvalidContentMessageError, parseContentMessage } from '../shared/contentMessage';
import type { Logger } from '../shared/log';
import { loggerFromContext } from '../shared/log';
import type { NormalizeContext } from '../shared/normalize';
import type { ContentUriCheck } from '../shared/notifications/validateNotification';
import { normalizeBlobRecords, BlobNormalizationStats } from '../shared/pipeline/normalizeBlob';
import type { EventSink } from '../shared/sinks/sink';
import type { QueueFunctionDefinition } from './definition';

export interface FetchContentDependencies {
  queueName: string;
  tenants: readonly TenantConfig[];
  ledger: {
    isDone(tenantId: string, contentId: string): Promise<boolean>;
    markCompleted(entry: {
      tenantId: string;
      contentId: string;
      contentType: string;
      recordCount?: number;
      eventCount?: number;
      duplicateRecords?: number;
      sinkPath?: string;
    }): Promise<void>;
    markLost(entry: {
      tenantId: string;
      contentId: string;
      contentType: string;
      reason: string;
    }): Promise<void>;
  };
  sink: EventSink;
  streamContent(tenant: TenantConfig, contentUri: string): AsyncIterable<unknown>;
  checkContentUri: ContentUriCheck;
  /** Puts the message back with a delay, as a new message, so the wait costs no dequeue count. */
  requeue(message: ContentMessage, delaySeconds: number): Promise<void>;
  /** Sends a message that can never succeed straight to the poison queue. */
  poison(raw: unknown, reason: string): Promise<void>;
  recordNotification?(tenantId: string, contentType: string, at: Date): Promise<void>;
  raiseAlert(alert: Alert, logger: Logger): Promise<void>;
  /** host.json maxDequeueCount: the try after which the host moves the message to poison. */
  maxDequeueCount: number;
  /** How many times a throttled or transient fetch is put off before normal retries take over. */
  maxDeferrals?: number;
  /** First deferral delay, doubled per deferral up to 300 s (default 5 s; tests use 1). */
  deferralBaseSeconds?: number;
  now?: () => Date;
  /** Jitter source in [0, 1) for deferral delays. */
  random?: () => number;
  onBlobDone?(outcome: BlobOutcome): void;
  /** What the normalizer is told beyond the blob (data stream namespace, DLP type names); never throws. */
  normalizeContext?(
    tenant: TenantConfig,
    contentType: ContentMessage['contentType'],
  ): Promise<NormalizeContext>;
}

export type BlobOutcome =
  | { status: 'written'; message: ContentMessage; stats: BlobNormalizationStats; location: string }
  | { status: 'duplicate'; message: ContentMessage }
  | { status: 'lost'; message: ContentMessage; reason: string }
  | { status: 'deferred'; message: ContentMessage; delaySeconds: number; reason: string }
  | { status: 'failed'; message?: ContentMessage; reason: string; willRetry: boolean };

/** Longest wait of one deferral; also well under the 7-day visibility limit of a queue message. */
const MAX_DEFERRAL_SECONDS = 300;

/** How a fetch failure is handled; keyed by the API client's error classification. */
type FailurePolicy = 'lost' | 'defer' | 'retry';
const POLICY_BY_CLASSIFICATION: Readonly<Record<string, FailurePolicy>> = {
  expired: 'lost',
  throttled: 'defer',
  transient: 'defer',
};

function classificationOf(error: unknown): string | undefined {
  const c = (error as { classification?: unknown } | null)?.classification;
  return typeof c === 'string' ? c : undefined;
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? `${e.code} ` : '';
  const status = typeof e?.statusCode === 'number' ? `(HTTP ${e.statusCode}) ` : '';
  return `${code}${status}${typeof e?.message === 'string' ? e.message : String(error)}`;
}

export function defineFetchContent(deps: FetchContentDependencies): QueueFunctionDefinition {
  const tenants = new Map(deps.tenants.map((t) => [t.tenantId, t]));
  const now = deps.now ?? (() => new Date());
  const maxDeferrals = deps.maxDeferrals ?? 6;
  const deferralBaseSeconds = deps.deferralBaseSeconds ?? 5;
  const random = deps.random ?? Math.random;
  const report = (o: BlobOutcome) => deps.onBlobDone?.(o);

  async function refuse(raw: unknown, reason: string, log: Logger, message?: ContentMessage): Promise<void> {
    await deps.poison(raw, reason);
    await deps.raiseAlert(
      {
        severity: 'error',
        kind: 'poisonMessage',
        tenantId: message?.tenantId,
        message: `content message moved to the poison queue: ${reason}`,
        details: { contentId: message?.contentId, contentType: message?.contentType, reason },
      },
      log,
    );
    report({ status: 'failed', message, reason, willRetry: false });
  }

  async function handler(raw: unknown, context: InvocationContext): Promise<void> {
    const log = loggerFromContext(context);
    let message: ContentMessage;
    try {
      message = parseContentMessage(raw);
    } catch (e) {
      const reason =
        e instanceof InvalidContentMessageError ? e.message : `unreadable message: ${describe(e)}`;
      log.error('fetchContent refused a message', { reason });
      return refuse(raw, reason, log);
    }
    const tenant = tenants.get(message.tenantId.toLowerCase());
    if (!tenant) return refuse(raw, `tenant ${message.tenantId} is not configured`, log, message);
    // Checked again here: the message may come from a replay or an older version of the webhook.
    const uriProblem = deps.checkContentUri(message.contentUri, tenant);
    if (uriProblem) return refuse(raw, `contentUri refused: ${uriProblem}`, log, message);

    const ids = { tenantId: tenant.tenantId, contentId: message.contentId, contentType: message.contentType };
    if (message.source === 'webhook' && deps.recordNotification) {
      await deps
        .recordNotification(tenant.tenantId, message.contentType, now())
        .catch((e: unknown) =>
          log.warn('could not record the notification time', { ...ids, error: describe(e) }),
        );
    }
    try {
      if (await deps.ledger.isDone(tenant.tenantId, message.contentId)) {
        log.info('content blob already processed; skipped', { ...ids, source: message.source });
        report({ status: 'duplicate', message });
        return;
      }
      const records = deps.streamContent(tenant, message.contentUri);
      const normalized = normalizeBlobRecords(records, {
        ...(await deps.normalizeContext?.(tenant, message.contentType)),
        tenantId: tenant.tenantId,
        tenantName: tenant.displayName,
        contentType: message.contentType,
        contentId: message.contentId,
      });
      const written = await deps.sink.write(
        {
          tenantId: tenant.tenantId,
          contentType: message.contentType,
          contentId: message.contentId,
          contentCreated: message.contentCreated,
        },
        normalized.events,
      );
      const stats = normalized.stats();
      await deps.ledger.markCompleted({
        ...ids,
        recordCount: stats.records,
        eventCount: written.events,
        duplicateRecords: stats.duplicateRecords,
        sinkPath: written.location,
      });
      if (stats.rejectedRecords > 0) {
        log.warn('content blob had records that could not be normalized; kept as pipeline_error events', {
          ...ids,
          rejected: stats.rejectedRecords,
        });
      }
      log.info('content blob written', { ...ids, events: written.events, location: written.location });
      report({ status: 'written', message, stats, location: written.location });
    } catch (error) {
      await handleFailure(error, message, tenant, context, log);
    }
  }

  async function handleFailure(
    error: unknown,
    message: ContentMessage,
    tenant: TenantConfig,
    context: InvocationContext,
    log: Logger,
  ): Promise<void> {
    const ids = { tenantId: tenant.tenantId, contentId: message.contentId, contentType: message.contentType };
    const reason = describe(error);
    const policy = POLICY_BY_CLASSIFICATION[classificationOf(error) ?? ''] ?? 'retry';

    if (policy === 'lost') {
      await deps.ledger.markLost({ ...ids, reason });
      await deps.raiseAlert(
        {
          severity: 'error',
          kind: 'contentLost',
          tenantId: tenant.tenantId,
          message: `content blob expired before it could be fetched; its events are lost`,
          details: { ...ids, contentCreated: message.contentCreated, reason },
        },
        log,
      );
      report({ status: 'lost', message, reason });
      return;
    }

    const deferrals = message.deferrals ?? 0;
    if (policy === 'defer' && deferrals < maxDeferrals) {
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const backoff = Math.min(MAX_DEFERRAL_SECONDS, deferralBaseSeconds * 2 ** deferrals);
      // Half fixed, half jitter: spreads the blobs of one throttling burst without waiting less than half.
      const delaySeconds = Math.min(
        MAX_DEFERRAL_SECONDS,
        Math.max(
          typeof retryAfterMs === 'number' ? Math.ceil(retryAfterMs / 1000) : 0,
          Math.max(1, Math.round(backoff / 2 + random() * (backoff / 2))),
        ),
      );
      await deps.requeue({ ...message, deferrals: deferrals + 1 }, delaySeconds);
      log.warn('content fetch put off', { ...ids, delaySeconds, deferrals: deferrals + 1, reason });
      report({ status: 'deferred', message, delaySeconds, reason });
      return;
    }

    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    const lastTry = dequeueCount >= deps.maxDequeueCount;
    if (lastTry) {
      await deps.raiseAlert(
        {
          severity: 'error',
          kind: 'poisonMessage',
          tenantId: tenant.tenantId,
          message: `content blob failed ${dequeueCount} times and goes to the poison queue`,
          details: { ...ids, lastError: reason, dequeueCount },
        },
        log,
      );
    } else {
      log.warn('content fetch failed; the queue will retry it', { ...ids, dequeueCount, reason });
    }
    report({ status: 'failed', message, reason, willRetry: !lastTry });
    throw error instanceof Error ? error : new Error(reason);
  }

  return { kind: 'queue', name: 'fetchContent', queueName: deps.queueName, handler };
}
