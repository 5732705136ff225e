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

export interface CatalogOptions {
  /** Observers for the live summary of `npm start` and for tests. */
  onBlobDone?(outcome: BlobOutcome): void;
  now?: () => Date;
  /** First delay of a throttled or transient fetch put off as a delayed message (default 5 s). */
  deferralBaseSeconds?: number;
}

export function defineReceiverFunctions(
  services: ReceiverServices,
  options: CatalogOptions = {},
): FunctionDefinition[] {
  const { config } = services;
  const webhook = defineWebhook({
    config,
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
    tenants: config.tenants,
    ledger: services.ledger,
    sink: services.sink,
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
