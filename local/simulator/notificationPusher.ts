/**
 * Pushes content notifications to each subscription's webhook the way the docs describe: arrays of
 * up to N items, `Content-Type: application/json; utf-8` (sic, no "charset="), the Webhook-AuthID
 * header, only HTTP 200 counts as delivered, failures are retried with growing delays, and after
 * too many consecutive failures the webhook is disabled. Notifications that were pending when that
 * happens are never sent, even after /start re-enables the webhook: the content must be found by
 * listing. Batches of one subscription go out one after another.
 */
import type { ContentType } from '../../shared/contentTypes';
import type { Delivery } from './model';
import { refreshWebhookStatus, type Webhook } from './subscriptionRules';
import { notificationItemOf, type StoredContent, type TenantDirectory } from './tenantDirectory';
import { postToWebhook } from './webhookPoster';

export interface PusherSettings {
  batchSize: number;
  retryDelaysMs: readonly number[];
  disableAfterFailures: number;
  timeoutMs: number;
}

interface SubscriptionQueue {
  tenantId: string;
  contentType: ContentType;
  items: StoredContent[];
  running: boolean;
}

export class NotificationPusher {
  private readonly queues = new Map<string, SubscriptionQueue>();
  private kickScheduled: NodeJS.Immediate | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly sleeps = new Map<NodeJS.Timeout, () => void>();
  private readonly abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly directory: TenantDirectory,
    private readonly clock: () => Date,
    private readonly settings: PusherSettings,
    private readonly deliveries: Delivery[],
  ) {}

  enqueue(contents: readonly StoredContent[]): void {
    if (this.stopped) return;
    for (const content of contents) {
      if (content.neverNotify || content.lost) continue;
      const key = `${content.tenantId}|${content.contentType}`;
      let queue = this.queues.get(key);
      if (!queue) {
        queue = { tenantId: content.tenantId, contentType: content.contentType, items: [], running: false };
        this.queues.set(key, queue);
      }
      queue.items.push(content);
    }
    // Deferred so that content published in one synchronous burst shares batches.
    this.kickScheduled ??= setImmediate(() => {
      this.kickScheduled = undefined;
      this.kick();
    });
  }

  /** Removes these from whatever is still waiting to be sent. */
  forget(contentIds: ReadonlySet<string>): void {
    for (const queue of this.queues.values()) {
      queue.items = queue.items.filter((c) => !contentIds.has(c.contentId));
    }
    this.settleIfIdle();
  }

  whenIdle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.kickScheduled) clearImmediate(this.kickScheduled);
    this.kickScheduled = undefined;
    this.abort.abort();
    for (const [timer, wake] of this.sleeps) {
      clearTimeout(timer);
      wake();
    }
    this.sleeps.clear();
    for (const queue of this.queues.values()) queue.items = [];
    this.settleIfIdle();
  }

  private busy(): boolean {
    if (this.kickScheduled) return true;
    for (const queue of this.queues.values()) {
      if (queue.running || queue.items.length > 0) return true;
    }
    return false;
  }

  private settleIfIdle(): void {
    if (this.busy()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private kick(): void {
    for (const queue of this.queues.values()) {
      if (!queue.running && queue.items.length > 0) {
        queue.running = true;
        void this.drain(queue).finally(() => {
          queue.running = false;
          this.settleIfIdle();
        });
      }
    }
    this.settleIfIdle();
  }

  /** The webhook to push to now, or undefined when nothing may be pushed. */
  private activeWebhook(queue: SubscriptionQueue): Webhook | undefined {
    const subscription = this.directory.find(queue.tenantId)?.subscriptions.get(queue.contentType);
    if (!subscription || subscription.status !== 'enabled' || !subscription.webhook) return undefined;
    const webhook = refreshWebhookStatus(subscription.webhook, this.clock().getTime());
    return webhook.status === 'enabled' ? webhook : undefined;
  }

  private async drain(queue: SubscriptionQueue): Promise<void> {
    while (!this.stopped && queue.items.length > 0) {
      if (!this.activeWebhook(queue)) {
        queue.items = [];
        return;
      }
      const batch = queue.items.splice(0, this.settings.batchSize);
      await this.deliver(queue, batch);
    }
  }

  private async deliver(queue: SubscriptionQueue, batch: StoredContent[]): Promise<void> {
    const attempts = this.settings.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= attempts && !this.stopped; attempt++) {
      const webhook = this.activeWebhook(queue);
      const live = batch.filter((c) => !c.neverNotify);
      if (!webhook || live.length === 0) return;
      const items = live.map(notificationItemOf);
      const headers: Record<string, string> = { 'Content-Type': 'application/json; utf-8' };
      if (webhook.authId !== null) headers['Webhook-AuthID'] = webhook.authId;
      const outcome = await postToWebhook(
        webhook.address,
        JSON.stringify(items),
        headers,
        this.settings.timeoutMs,
        this.abort.signal,
      );
      if (this.stopped) return;
      const sent = this.clock();
      const delivery: Delivery = {
        url: webhook.address,
        tenantId: queue.tenantId,
        contentType: queue.contentType,
        items,
        attempt,
        at: sent.toISOString(),
      };
      if ('statusCode' in outcome) delivery.statusCode = outcome.statusCode;
      else delivery.error = outcome.error;
      this.deliveries.push(delivery);
      // The docs: "Any response other than HTTP 200 OK will be considered a failure" (202 and 204 too).
      const delivered = 'statusCode' in outcome && outcome.statusCode === 200;
      for (const content of live)
        this.directory.logNotification(content, sent, delivered ? 'success' : 'failed');
      if (delivered) {
        webhook.consecutiveFailures = 0;
        return;
      }
      webhook.consecutiveFailures += 1;
      if (webhook.consecutiveFailures >= this.settings.disableAfterFailures) {
        webhook.status = 'disabled';
        queue.items = [];
        return;
      }
      if (attempt < attempts) await this.sleep(this.settings.retryDelaysMs[attempt - 1]);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeps.delete(timer);
        resolve();
      }, ms);
      this.sleeps.set(timer, resolve);
    });
  }
}
