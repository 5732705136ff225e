/**
 * Polls one storage queue for one queue-triggered function, the way the Functions host's queue
 * listener does: batches of up to batchSize held under a visibility lease, at most batchSize
 * invocations at once, a new batch once in-flight work drops to newBatchThreshold, exponential
 * back-off while idle, retries after visibilityTimeout and `<queue>-poison` after maxDequeueCount.
 */
import type { QueueClient, QueueServiceClient, ReceivedMessageItem } from '@azure/storage-queue';
import type { QueueFunctionDefinition } from '../../functions/definition';
import type { Logger } from '../../shared/log';
import type { QueueSettings } from './hostJson';
import { createInvocationContext, errorMessage, type InvocationTracker } from './invocation';
import { decodeMessageText, messageValue, queueTriggerMetadata } from './queueMessage';

export interface QueuePollerOptions {
  queueService: QueueServiceClient;
  settings: QueueSettings;
  pollIntervalMs: { min: number; max: number };
  /** How long a received message stays invisible to others; renewed at half-time while its invocation runs. */
  leaseSeconds: number;
  logger: Logger;
  tracker: InvocationTracker;
}

/** Keeps a received message invisible while its invocation runs, tracking the changing pop receipt. */
class MessageLease {
  popReceipt: string;
  private renewing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly queue: QueueClient,
    private readonly message: ReceivedMessageItem,
    leaseSeconds: number,
    logger: Logger,
  ) {
    this.popReceipt = message.popReceipt;
    this.timer = setInterval(
      () => {
        this.renewing = this.renewing
          .then(async () => {
            const renewed = await queue.updateMessage(
              message.messageId,
              this.popReceipt,
              message.messageText,
              leaseSeconds,
            );
            if (renewed.popReceipt) this.popReceipt = renewed.popReceipt;
          })
          .catch((error: unknown) =>
            logger.warn('local host: could not renew a queue message lease; it may be delivered twice', {
              queueName: queue.name,
              messageId: message.messageId,
              error: errorMessage(error),
            }),
          );
      },
      (leaseSeconds * 1000) / 2,
    );
  }

  /** Stops renewing and returns the pop receipt that is valid now. */
  async end(): Promise<string> {
    clearInterval(this.timer);
    await this.renewing;
    return this.popReceipt;
  }

  async release(visibilityTimeoutSeconds: number): Promise<void> {
    const popReceipt = await this.end();
    await this.queue.updateMessage(
      this.message.messageId,
      popReceipt,
      this.message.messageText,
      visibilityTimeoutSeconds,
    );
  }
}

export class QueuePoller {
  private readonly queue: QueueClient;
  private readonly poisonQueue: QueueClient;
  private inFlight = 0;
  private queueReady = false;
  private stopping = false;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly definition: QueueFunctionDefinition,
    private readonly options: QueuePollerOptions,
  ) {
    this.queue = options.queueService.getQueueClient(definition.queueName);
    this.poisonQueue = options.queueService.getQueueClient(`${definition.queueName}-poison`);
  }

  get queueName(): string {
    return this.definition.queueName;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops fetching; invocations already running are awaited by the host through the tracker. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  /**
   * True when nothing of this queue is running and the queue holds no message, visible or not
   * (a message waiting out its visibilityTimeout before a retry is still work to do).
   */
  async isIdle(): Promise<boolean> {
    if (this.inFlight > 0 || !this.queueReady) return false;
    const properties = await this.queue.getProperties();
    return this.inFlight === 0 && (properties.approximateMessagesCount ?? 0) === 0;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const { settings, pollIntervalMs, logger } = this.options;
    let idleDelay = pollIntervalMs.min;
    const backOff = () => (idleDelay = Math.min(idleDelay * 2, pollIntervalMs.max));

    while (!this.stopping) {
      if (this.inFlight > settings.newBatchThreshold) {
        // Woken when an invocation finishes.
        await this.sleep(pollIntervalMs.max);
        continue;
      }
      let messages: ReceivedMessageItem[];
      try {
        if (!this.queueReady) {
          await this.queue.createIfNotExists({ abortSignal: this.abort.signal });
          this.queueReady = true;
        }
        const response = await this.queue.receiveMessages({
          numberOfMessages: settings.batchSize - this.inFlight,
          visibilityTimeout: this.options.leaseSeconds,
          abortSignal: this.abort.signal,
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        if (this.stopping) break;
        logger.warn('local host: polling the queue failed; retrying', {
          queueName: this.queueName,
          error: errorMessage(error),
        });
        await this.sleep(idleDelay);
        backOff();
        continue;
      }
      if (this.stopping) {
        await Promise.all(messages.map((m) => this.giveBack(m)));
        break;
      }
      if (messages.length === 0) {
        await this.sleep(idleDelay);
        backOff();
        continue;
      }
      idleDelay = pollIntervalMs.min;
      for (const message of messages) this.dispatch(message);
    }
  }

  /** A message fetched while stopping goes straight back, visible at once, for the next host. */
  private async giveBack(message: ReceivedMessageItem): Promise<void> {
    try {
      await this.queue.updateMessage(message.messageId, message.popReceipt, message.messageText, 0);
    } catch (error) {
      this.options.logger.warn(
        'local host: could not release a queue message on stop; it returns after its lease',
        {
          queueName: this.queueName,
          messageId: message.messageId,
          error: errorMessage(error),
        },
      );
    }
  }

  private dispatch(message: ReceivedMessageItem): void {
    this.inFlight++;
    const lease = new MessageLease(this.queue, message, this.options.leaseSeconds, this.options.logger);
    const work = this.invokeAndSettle(message, lease).finally(() => {
      this.inFlight--;
      this.wake?.();
    });
    void this.options.tracker.hold(work);
  }

  private async invokeAndSettle(message: ReceivedMessageItem, lease: MessageLease): Promise<void> {
    const { settings, logger, tracker } = this.options;
    const { name, handler } = this.definition;
    try {
      await tracker.track(name, async () => {
        const decoded = decodeMessageText(message.messageText, settings.messageEncoding);
        const context = createInvocationContext(
          name,
          'queueTrigger',
          logger,
          queueTriggerMetadata(message, decoded),
        );
        await handler(messageValue(decoded), context);
      });
    } catch (error) {
      logger.error('local host: queue function failed', {
        functionName: name,
        queueName: this.queueName,
        messageId: message.messageId,
        dequeueCount: message.dequeueCount,
        error: errorMessage(error),
      });
      await this.settleFailure(message, lease);
      return;
    }
    try {
      await this.queue.deleteMessage(message.messageId, await lease.end());
    } catch (error) {
      logger.error(
        'local host: could not delete a processed queue message; it will run again after its lease',
        {
          queueName: this.queueName,
          messageId: message.messageId,
          error: errorMessage(error),
        },
      );
    }
  }

  private async settleFailure(message: ReceivedMessageItem, lease: MessageLease): Promise<void> {
    const { settings, logger, tracker } = this.options;
    try {
      if (message.dequeueCount >= settings.maxDequeueCount) {
        await this.poisonQueue.createIfNotExists();
        await this.poisonQueue.sendMessage(message.messageText);
        await this.queue.deleteMessage(message.messageId, await lease.end());
        tracker.recordPoisoned();
        logger.error('local host: queue message moved to the poison queue', {
          queueName: this.queueName,
          poisonQueueName: this.poisonQueue.name,
          messageId: message.messageId,
          dequeueCount: message.dequeueCount,
        });
      } else {
        await lease.release(Math.round(settings.visibilityTimeoutMs / 1000));
      }
    } catch (error) {
      // The message stays under its lease and comes back when it ends: retried, never lost.
      await lease.end();
      logger.error('local host: could not settle a failed queue message; it returns after its lease', {
        queueName: this.queueName,
        messageId: message.messageId,
        error: errorMessage(error),
      });
    }
  }
}
