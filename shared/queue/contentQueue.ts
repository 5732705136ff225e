/**
 * The queue between the webhook/backfill (producers) and fetchContent (consumer). One message per
 * content blob, base64 JSON, because the Functions queue trigger decodes base64 by default and would
 * send anything else straight to the poison queue.
 */
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { ContentMessage, encodeContentMessage, parseContentMessage } from '../contentMessage';
import { settleWithConcurrency } from '../storage/concurrency';
import { isNotFound, StorageOperationError, storageErrorDetails } from '../storage/storageError';

/** Raised when some messages of a batch could not be written; the caller answers 5xx so Microsoft retries. */
export class QueueWriteError extends Error {
  /** Messages that were not enqueued. */
  readonly failed: number;
  /** Messages in the batch. */
  readonly total: number;
  /** contentIds of the messages that failed, in batch order. */
  readonly failedContentIds: readonly string[];
  readonly statusCode?: number;
  readonly code?: string;

  constructor(args: {
    failed: number;
    total: number;
    failedContentIds: readonly string[];
    cause: unknown;
    action?: string;
  }) {
    const d = storageErrorDetails(args.cause);
    super(
      `${args.action ?? 'enqueue'}: ${args.failed} of ${args.total} message(s) not written: ${d.message}`,
      {
        cause: args.cause,
      },
    );
    this.name = 'QueueWriteError';
    this.failed = args.failed;
    this.total = args.total;
    this.failedContentIds = args.failedContentIds;
    this.statusCode = d.statusCode;
    this.code = d.code;
  }
}

export interface EnqueueOptions {
  /** Delay before the messages become visible to the consumer. */
  visibilityTimeoutSeconds?: number;
}

export interface ReplayProgress {
  messageId: string;
  outcome: 'replayed' | 'invalid';
  /** Present when the message parsed. */
  message?: ContentMessage;
  /** Why an invalid message was left in the poison queue. */
  reason?: string;
}

export interface ReplayOptions {
  /** At most this many messages are looked at (replayed + invalid). */
  max?: number;
  onMessage?: (progress: ReplayProgress) => void;
  /** How long a received poison message stays hidden while we work on it (default 300 s). */
  leaseSeconds?: number;
}

export interface QueueDepth {
  queued: number;
  poison: number;
}

const SEND_CONCURRENCY = 8;
// Service maximum for one receive call.
const RECEIVE_BATCH = 32;

export class ContentQueue {
  private readonly queue: QueueClient;
  private readonly poison: QueueClient;
  private ready?: Promise<void>;

  constructor(queueService: QueueServiceClient, names: { contentQueue: string; poisonQueue: string }) {
    this.queue = queueService.getQueueClient(names.contentQueue);
    this.poison = queueService.getQueueClient(names.poisonQueue);
  }

  get queueName(): string {
    return this.queue.name;
  }

  get poisonQueueName(): string {
    return this.poison.name;
  }

  /** Creates both queues once per instance; a failure is not cached so the next call tries again. */
  ensureExists(): Promise<void> {
    if (!this.ready) {
      this.ready = (async () => {
        try {
          await Promise.all([this.queue.createIfNotExists(), this.poison.createIfNotExists()]);
        } catch (error) {
          throw new StorageOperationError(`create queues ${this.queue.name}, ${this.poison.name}`, error);
        }
      })();
      this.ready.catch(() => (this.ready = undefined));
    }
    return this.ready;
  }

  /** Writes every message or rejects with QueueWriteError naming how many were not written. */
  async enqueue(messages: readonly ContentMessage[], options: EnqueueOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    try {
      await this.ensureExists();
    } catch (error) {
      throw new QueueWriteError({
        failed: messages.length,
        total: messages.length,
        failedContentIds: messages.map((m) => m.contentId),
        cause: error,
      });
    }
    const results = await settleWithConcurrency(messages, SEND_CONCURRENCY, (m) =>
      this.queue.sendMessage(encodeContentMessage(m), {
        visibilityTimeout: options.visibilityTimeoutSeconds,
      }),
    );
    const failedIds: string[] = [];
    let firstError: unknown;
    results.forEach((r, i) => {
      if (!r.ok) {
        failedIds.push(messages[i].contentId);
        firstError ??= r.error;
      }
    });
    if (failedIds.length > 0) {
      throw new QueueWriteError({
        failed: failedIds.length,
        total: messages.length,
        failedContentIds: failedIds,
        cause: firstError,
      });
    }
  }

  /**
   * Parks a message that can never succeed in the poison queue, as the host would after its last
   * dequeue, so `replayPoison` can bring it back once the cause is fixed. Takes what the queue
   * trigger handed over (an already-decoded object or string) and stores it base64-encoded again.
   */
  async sendToPoison(raw: unknown): Promise<void> {
    const text = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
    await this.ensureExists();
    try {
      await this.poison.sendMessage(Buffer.from(text, 'utf8').toString('base64'));
    } catch (error) {
      throw new QueueWriteError({
        failed: 1,
        total: 1,
        failedContentIds: [],
        cause: error,
        action: 'poison',
      });
    }
  }

  /**
   * Moves poison messages back to the main queue, marked `source: 'replay'`. A message is deleted from
   * the poison queue only after its copy was sent, so a crash in between duplicates (the ledger absorbs
   * that) rather than loses. Messages that do not parse stay in the poison queue and are counted.
   * The run is bounded by the poison depth seen at its start, so messages that fail again and return
   * to the poison queue while we work are not replayed twice in one run.
   */
  async replayPoison(options: ReplayOptions = {}): Promise<{ replayed: number; invalid: number }> {
    await this.ensureExists();
    const leaseSeconds = options.leaseSeconds ?? 300;
    let budget: number;
    try {
      const props = await this.poison.getProperties();
      budget = Math.min(options.max ?? Infinity, props.approximateMessagesCount ?? 0);
    } catch (error) {
      throw new StorageOperationError(`read depth of ${this.poison.name}`, error);
    }
    const seen = new Set<string>();
    let replayed = 0;
    let invalid = 0;

    while (replayed + invalid < budget) {
      let received;
      try {
        received = await this.poison.receiveMessages({
          numberOfMessages: Math.min(RECEIVE_BATCH, budget - replayed - invalid),
          visibilityTimeout: leaseSeconds,
        });
      } catch (error) {
        throw new StorageOperationError(`receive from ${this.poison.name}`, error);
      }
      const fresh = received.receivedMessageItems.filter((m) => !seen.has(m.messageId));
      if (fresh.length === 0) break;

      for (const item of fresh) {
        seen.add(item.messageId);
        let message: ContentMessage;
        try {
          message = parseContentMessage(item.messageText);
        } catch (error) {
          invalid++;
          options.onMessage?.({
            messageId: item.messageId,
            outcome: 'invalid',
            reason: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        // A replay is a fresh start: earlier throttling deferrals no longer count against it.
        const again: ContentMessage = {
          ...message,
          source: 'replay',
          enqueuedAt: new Date().toISOString(),
          deferrals: undefined,
        };
        try {
          await this.queue.sendMessage(encodeContentMessage(again));
        } catch (error) {
          throw new QueueWriteError({
            failed: 1,
            total: 1,
            failedContentIds: [message.contentId],
            cause: error,
            action: `replay (after ${replayed} replayed)`,
          });
        }
        try {
          await this.poison.deleteMessage(item.messageId, item.popReceipt);
        } catch (error) {
          // Already gone (another replay run took it): the copy we sent is a harmless duplicate.
          if (!isNotFound(error)) {
            throw new StorageOperationError(`delete replayed message from ${this.poison.name}`, error);
          }
        }
        replayed++;
        options.onMessage?.({ messageId: item.messageId, outcome: 'replayed', message: again });
      }
    }
    return { replayed, invalid };
  }

  /** Approximate message counts (the service's own estimate); a missing queue counts as empty. */
  async depth(): Promise<QueueDepth> {
    const [queued, poison] = await Promise.all([count(this.queue), count(this.poison)]);
    return { queued, poison };
  }
}

async function count(queue: QueueClient): Promise<number> {
  try {
    return (await queue.getProperties()).approximateMessagesCount ?? 0;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw new StorageOperationError(`read depth of ${queue.name}`, error);
  }
}
