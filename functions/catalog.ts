/**
 * Every function of the receiver, wired to its dependencies. Azure (index.ts) and the local host
 * (local/start.ts, tests) both register exactly this list.
 */
import type { ContentType } from '../shared/contentTypes';
import type { FunctionDefinition } from './definition';
import { BlobOutcome, defineFetchContent } from './fetchContent';
import type { ReceiverServices } from './services';
import { defineWebhook } from './webhook';

/** Must equal host.json extensions.queues.maxDequeueCount (a test keeps them in step). */
export const MAX_DEQUEUE_COUNT = 5;
/** Must equal host.json functionTimeout (a test keeps them in step). */
export const FUNCTION_TIMEOUT_SECONDS = 600;
/**
 * A fetch's claim on a blob outlives the longest invocation (plus a minute for clocks that differ
 * between instances), so only a worker that is surely gone has its blob taken over.
 */
export const CLAIM_LEASE_SECONDS = FUNCTION_TIMEOUT_SECONDS + 60;

export interface CatalogOptions {
  /** Observers for the live summary of `npm start` and for tests. */
  onBlobDone?(outcome: BlobOutcome): void;
  now?: () => Date;
  /** First delay of a throttled or transient fetch put off as a delayed message (default 5 s). */
  deferralBaseSeconds?: number;
  /** Claim lease (default CLAIM_LEASE_SECONDS); tests shorten it to see an expired claim taken over. */
  claimLeaseSeconds?: number;
}

export function defineReceiverFunctions(
  services: ReceiverServices,
  options: CatalogOptions = {},
): FunctionDefinition[] {
  const { config } = services;
  const webhook = defineWebhook({
    config,
    tenants: services.directory,
    enqueue: (messages) => services.queue.enqueue(messages),
    checkContentUri: services.checkContentUri,
    now: options.now,
    onRejected: (summary, logger) =>
      services.raiseAlert(
        {
          severity: 'warning',
          kind: 'webhookRejected',
          message: `webhook refused ${summary.rejected} notification(s) and accepted ${summary.accepted}`,
          details: {
            rejected: summary.rejected,
            accepted: summary.accepted,
            reasons: summary.reasons.slice(0, 5),
          },
        },
        logger,
      ),
  });
  const fetchContent = defineFetchContent({
    queueName: config.names.contentQueue,
    tenants: services.directory,
    ledger: services.ledger,
    claimLeaseSeconds: options.claimLeaseSeconds ?? CLAIM_LEASE_SECONDS,
    sinks: services.sinks,
    recordDedupe: services.recordDedupe,
    streamContent: (tenant, contentUri) => services.clientFor(tenant).streamContent(contentUri),
    checkContentUri: services.checkContentUri,
    requeue: (message, delaySeconds) =>
      services.queue.enqueue([message], { visibilityTimeoutSeconds: delaySeconds }),
    poison: (raw) => services.queue.sendToPoison(raw),
    recordNotification: (tenantId, contentType, at) =>
      services.checkpoints.recordNotification(tenantId, contentType as ContentType, at),
    raiseAlert: (alert, logger) => services.raiseAlert(alert, logger),
    maxDequeueCount: MAX_DEQUEUE_COUNT,
    deferralBaseSeconds: options.deferralBaseSeconds,
    now: options.now,
    onBlobDone: options.onBlobDone,
    normalizeContext: services.normalizeContext,
  });
  return [webhook, fetchContent];
}
