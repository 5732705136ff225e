/**
 * Queue-triggered: fetches one content blob, normalizes its records and delivers them to every
 * configured sink, at least once, with the ledger making repeats (duplicate notifications, retries,
 * backfill re-listings, a second instance) write nothing twice: the blob is claimed in the ledger
 * before it is fetched, records another blob already carried are held back before the sinks, and
 * each sink that finished the blob is recorded, so a retry goes only to the sinks still owed.
 */
import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import type { Alert } from '../shared/alerts/model';
import type { TenantConfig } from '../shared/config/settings';
import { ContentMessage, InvalidContentMessageError, parseContentMessage } from '../shared/contentMessage';
import type { RecordReserver } from '../shared/dedupe/recordDedupe';
import {
  RecordReservedElsewhereError,
  withoutRepeatedRecords,
} from '../shared/dedupe/withoutRepeatedRecords';
import type { Logger } from '../shared/log';
import { loggerFromContext } from '../shared/log';
import type { NormalizeContext } from '../shared/normalize';
import { TokenAcquisitionError } from '../shared/managementApi/errors';
import { halfJitterBackoffMs } from '../shared/managementApi/retryPolicy';
import type { ContentUriCheck } from '../shared/notifications/validateNotification';
import { normalizeBlobRecords, BlobNormalizationStats } from '../shared/pipeline/normalizeBlob';
import { deliverToSinks, sinksStillOwed } from '../shared/sinks/delivery/deliverToSinks';
import type { ContentSink, SinkBlobOutcome } from '../shared/sinks/delivery/model';
import { sinkRejectedAlert } from '../shared/sinks/delivery/sinkAlerts';
import type { ContentBlobRef } from '../shared/sinks/sink';
import type {
  ClaimRequest,
  ClaimResult,
  CompletionOutcome,
  CompletionStats,
  LedgerClaim,
  SinkCompletions,
} from '../shared/state/contentLedger';
import { isTransientStorageFailure } from '../shared/storage/storageError';
import {
  TenantRegistryUnavailableError,
  type TenantDirectory,
  type TenantLookup,
} from '../shared/tenants/tenantDirectory';
import type { QueueFunctionDefinition } from './definition';

/** The ledger operations the fetch needs (ContentLedger in production). */
export interface FetchLedger {
  claim(request: ClaimRequest, owner: string, leaseMs: number, now: Date): Promise<ClaimResult>;
  complete(claim: LedgerClaim, stats: CompletionStats, now: Date): Promise<CompletionOutcome>;
  completeLost(claim: LedgerClaim, reason: string, now: Date): Promise<CompletionOutcome>;
  release(claim: LedgerClaim, now: Date): Promise<void>;
  recordSinks(claim: LedgerClaim, sinks: SinkCompletions, now: Date): Promise<CompletionOutcome>;
}

export interface FetchContentDependencies {
  queueName: string;
  /**
   * The tenants served (the tenant registry, at most a minute old). A message of a tenant disabled,
   * removed or unusable there goes to the poison queue with the reason, from where replay-poison
   * brings it back once the tenant is served again.
   */
  tenants: Pick<TenantDirectory, 'get'>;
  ledger: FetchLedger;
  /**
   * How long a claim holds the blob; at least the function timeout (host.json), so a live
   * invocation never loses its claim to another.
   */
  claimLeaseSeconds: number;
  /** Every configured sink, in SINKS order; a blob is done when each of them has it. */
  sinks: readonly ContentSink[];
  /** Cross-blob record de-duplication; without it every record of every blob is written. */
  recordDedupe?: RecordReserver;
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
  | {
      status: 'written';
      message: ContentMessage;
      stats: BlobNormalizationStats;
      location: string;
      /** Records held back because another blob had already carried them. */
      suppressedRecords: number;
      /** The sinks already held this blob's events from an earlier try (nothing new stored). */
      alreadyWritten: boolean;
      /** What each sink this try delivered to did (none when earlier tries had finished them all). */
      sinks: SinkBlobOutcome[];
    }
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

/**
 * Failures that pass by themselves are put off like API throttling, so an outage does not use up the
 * message's dequeue count: a token Entra or Key Vault could not issue for now (5xx, timeout,
 * unreachable), storage throttling or unavailability (429/503/500) of the ledger, the sink or
 * the record-Id logs, and a tenant registry that cannot be read; and a write abandoned because another blob reserved one of its records first,
 * which the next try gets right. Only what remains can reach the poison queue.
 */
function failurePolicyOf(error: unknown): FailurePolicy {
  const byClass = POLICY_BY_CLASSIFICATION[classificationOf(error) ?? ''];
  if (byClass) return byClass;
  if (error instanceof RecordReservedElsewhereError) return 'defer';
  if (error instanceof TokenAcquisitionError && error.transient) return 'defer';
  if (error instanceof TenantRegistryUnavailableError) return 'defer';
  if (isTransientStorageFailure(error)) return 'defer';
  return 'retry';
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? `${e.code} ` : '';
  const status = typeof e?.statusCode === 'number' ? `(HTTP ${e.statusCode}) ` : '';
  return `${code}${status}${typeof e?.message === 'string' ? e.message : String(error)}`;
}

function completionsOf(outcomes: readonly SinkBlobOutcome[], at: Date): SinkCompletions {
  const done: SinkCompletions = {};
  for (const o of outcomes) {
    if (o.status !== 'completed') continue;
    done[o.sink] = { at: at.toISOString(), events: o.events, deadLettered: o.deadLettered || undefined };
  }
  return done;
}

function emptyStats(): BlobNormalizationStats {
  return { records: 0, events: 0, duplicateRecords: 0, rejectedRecords: 0 };
}

export function defineFetchContent(deps: FetchContentDependencies): QueueFunctionDefinition {
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
    let lookup: TenantLookup;
    try {
      lookup = await deps.tenants.get(message.tenantId);
    } catch (error) {
      return handleFailure(error, message, message.tenantId.toLowerCase(), context, log, undefined);
    }
    if (lookup.status !== 'active') {
      log.error('fetchContent refused a message of a tenant that is not served', {
        tenantId: lookup.tenantId,
        contentId: message.contentId,
        reason: lookup.reason,
      });
      return refuse(raw, lookup.reason, log, message);
    }
    const tenant = lookup.tenant;
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
    // Unique per try: a retry of the same message must be able to take over its own expired claim.
    const owner = `${context.invocationId}/${randomUUID()}`;
    let claim: LedgerClaim | undefined;
    try {
      const claimed = await deps.ledger.claim(
        { ...ids, contentCreated: message.contentCreated },
        owner,
        deps.claimLeaseSeconds * 1000,
        now(),
      );
      if (claimed.outcome === 'done') {
        log.info('content blob already processed; skipped', { ...ids, source: message.source });
        report({ status: 'duplicate', message });
        return;
      }
      if (claimed.outcome === 'busy') return await waitForClaim(message, claimed.leaseUntil, log);
      claim = claimed.claim;
      if (claim.takenOver) {
        log.warn('took over the expired claim of a worker that did not finish the blob', {
          ...ids,
          attempts: claim.attempts,
        });
      }
      const pending = sinksStillOwed(deps.sinks, claim.sinks);
      if (pending.length === 0) {
        // An earlier try delivered to every sink but could not mark the blob finished.
        await deps.ledger.complete(claim, {}, now());
        log.info('content blob was already in every sink', ids);
        report({
          status: 'written',
          message,
          stats: emptyStats(),
          location: '',
          suppressedRecords: 0,
          alreadyWritten: true,
          sinks: [],
        });
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
      const deduped = deps.recordDedupe
        ? withoutRepeatedRecords(normalized.events, ids, deps.recordDedupe)
        : { events: normalized.events, suppressed: () => 0 };
      const outcomes = await deliverToSinks(pending, ids, deduped.events);
      await alertRejections(ids, outcomes, log);
      const finished = completionsOf(outcomes, now());
      const unfinished = outcomes.filter((o) => o.status !== 'completed');
      if (unfinished.length > 0) {
        await recordPartial(claim, finished, ids, log);
        // A sink that needs the user goes to the queue's retries; one that asked to wait is put off.
        const failed = unfinished.find((o) => o.status === 'failed');
        throw (failed ?? unfinished[0]).error ?? new Error(`sink ${unfinished[0].sink} did not finish`);
      }
      const stats = normalized.stats();
      const suppressedRecords = deduped.suppressed();
      const eventCount = Math.max(...outcomes.map((o) => o.events));
      const location = outcomes.find((o) => o.location !== undefined)?.location ?? '';
      const alreadyWritten = outcomes.every((o) => o.written === 0 && o.alreadyPresent > 0);
      const completion = await deps.ledger.complete(
        claim,
        {
          recordCount: stats.records,
          eventCount,
          duplicateRecords: stats.duplicateRecords,
          suppressedRecords,
          sinkPath: location,
          sinks: finished,
        },
        now(),
      );
      if (completion !== 'recorded') {
        // Our lease ran out while we worked: the sinks keep the finished copies either way.
        log.warn('content blob written, but another worker holds its claim now', { ...ids, completion });
      }
      if (stats.rejectedRecords > 0) {
        log.warn('content blob had records that could not be normalized; kept as pipeline_error events', {
          ...ids,
          rejected: stats.rejectedRecords,
        });
      }
      log.info(alreadyWritten ? 'content blob was already in the sinks' : 'content blob written', {
        ...ids,
        events: eventCount,
        suppressedRecords,
        location,
        sinks: outcomes.map((o) => o.sink).join(','),
        deadLettered: outcomes.reduce((n, o) => n + o.deadLettered, 0),
      });
      report({
        status: 'written',
        message,
        stats,
        location,
        suppressedRecords,
        alreadyWritten,
        sinks: outcomes,
      });
    } catch (error) {
      await handleFailure(error, message, tenant.tenantId, context, log, claim);
    }
  }

  /**
   * One sinkRejected alert per blob and sink that dead-lettered events. Only a sink that finished the
   * blob is alerted on: one put off or failed delivers the whole blob again on the next try, where
   * it refuses the same events again, and the ledger keeps a finished sink from being tried twice.
   */
  async function alertRejections(blob: ContentBlobRef, outcomes: SinkBlobOutcome[], log: Logger) {
    for (const outcome of outcomes) {
      if (outcome.status !== 'completed') continue;
      const alert = sinkRejectedAlert(blob, outcome);
      if (alert) await deps.raiseAlert(alert, log);
    }
  }

  /**
   * Some sinks finished, others did not: record the finished ones so the next try skips them. When
   * that record fails, the next try sends to them again (at least once), so it is only logged.
   */
  async function recordPartial(
    claim: LedgerClaim,
    finished: SinkCompletions,
    ids: ContentBlobRef,
    log: Logger,
  ): Promise<void> {
    if (Object.keys(finished).length === 0) return;
    const recorded = await deps.ledger
      .recordSinks(claim, finished, now())
      .catch((e: unknown) => `not recorded: ${describe(e)}`);
    if (recorded !== 'recorded') {
      log.warn('could not record the sinks that finished the blob; a retry delivers to them again', {
        ...ids,
        sinks: Object.keys(finished).join(','),
        recorded,
      });
    }
  }

  /**
   * Another worker holds the blob: come back later as a new delayed message, never drop it. The wait
   * grows with each return but never outlasts the claim's lease by much, when the blob can be taken
   * over if its worker died.
   */
  async function waitForClaim(message: ContentMessage, leaseUntil: Date, log: Logger): Promise<void> {
    const waits = message.claimWaits ?? 0;
    const untilLeaseEnds = Math.ceil((leaseUntil.getTime() - now().getTime()) / 1000) + 1;
    const delaySeconds = Math.max(1, Math.min(jitteredBackoff(waits), untilLeaseEnds));
    await deps.requeue({ ...message, claimWaits: waits + 1 }, delaySeconds);
    const reason = 'another worker holds the claim on this blob';
    log.info('content fetch put off', {
      tenantId: message.tenantId,
      contentId: message.contentId,
      contentType: message.contentType,
      delaySeconds,
      claimWaits: waits + 1,
      reason,
    });
    report({ status: 'deferred', message, delaySeconds, reason });
  }

  /** Seconds; half fixed, half jitter: spreads the blobs of one burst without waiting less than half. */
  function jitteredBackoff(attempt: number): number {
    // The formula has no unit of its own: given seconds, it answers seconds.
    const delay = { baseMs: deferralBaseSeconds, maxMs: MAX_DEFERRAL_SECONDS };
    return Math.max(1, halfJitterBackoffMs(attempt + 1, delay, random));
  }

  async function handleFailure(
    error: unknown,
    message: ContentMessage,
    tenantId: string,
    context: InvocationContext,
    log: Logger,
    claim: LedgerClaim | undefined,
  ): Promise<void> {
    const ids = { tenantId, contentId: message.contentId, contentType: message.contentType };
    const reason = describe(error);
    const policy = failurePolicyOf(error);

    if (policy === 'lost' && claim) {
      await deps.ledger.completeLost(claim, reason, now());
      await deps.raiseAlert(
        {
          severity: 'error',
          kind: 'contentLost',
          tenantId,
          message: `content blob expired before it could be fetched; its events are lost`,
          details: { ...ids, contentCreated: message.contentCreated, reason },
        },
        log,
      );
      report({ status: 'lost', message, reason });
      return;
    }

    // The next try (this message's retry or its delayed copy) need not wait out our lease.
    if (claim) {
      await deps.ledger.release(claim, now()).catch((e: unknown) =>
        log.warn('could not release the claim; the next try waits for its lease', {
          ...ids,
          error: describe(e),
        }),
      );
    }

    const deferrals = message.deferrals ?? 0;
    if (policy === 'defer' && deferrals < maxDeferrals) {
      const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const delaySeconds = Math.min(
        MAX_DEFERRAL_SECONDS,
        Math.max(
          typeof retryAfterMs === 'number' ? Math.ceil(retryAfterMs / 1000) : 0,
          jitteredBackoff(deferrals),
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
          tenantId,
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
