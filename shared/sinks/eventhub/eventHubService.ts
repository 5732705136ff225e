/**
 * The eventhub sink's service: one framework batch becomes one or more Event Hubs batches, filled
 * with the SDK's createBatch/tryAdd (which measure the real AMQP size against the hub's limit) and
 * sent in order, all with the tenant as partition key so one tenant's events stay in order.
 *
 * Per event: sent → done; too large for an empty batch → rejected with the sizes (the framework
 * dead-letters it); throttled or transient after some events went → the rest retry. A failure before
 * anything was decided, or one no retry can cure (identity, missing hub), fails the request as a
 * whole. Delivery is at least once: a retried batch the hub had in fact stored arrives twice, with
 * the same messageId (= event.id) for consumers to drop.
 */
import type {
  BatchSinkService,
  EncodedEvent,
  ItemOutcome,
  SinkEvent,
  SinkHealth,
  SinkLimits,
} from '../delivery/model';
import type { SinkRequestError } from '../delivery/errors';
import type { ContentBlobRef } from '../sink';
import { EVENTHUB_LIMITS, type EventHubSinkConfig } from './config';
import { encodeEventHubEvent, eventHubEventOf } from './encoder';
import { classifyEventHubError, SINK_NAME } from './errors';
import type { EventHubBatch, EventHubProducer } from './producer';

export class EventHubService implements BatchSinkService {
  readonly name = SINK_NAME;
  readonly idempotentOnEventId = false;
  readonly limits: SinkLimits;

  constructor(
    private readonly config: EventHubSinkConfig,
    private readonly producer: EventHubProducer,
  ) {
    const batchBytes = config.maxBatchBytes ?? EVENTHUB_LIMITS.tierBatchBytes;
    this.limits = {
      maxBatchBytes: batchBytes,
      maxBatchEvents: EVENTHUB_LIMITS.maxBatchEvents,
      maxEventBytes: batchBytes,
    };
  }

  encode(event: SinkEvent, blob: ContentBlobRef): EncodedEvent {
    return encodeEventHubEvent(event, blob);
  }

  targetOf(): string {
    return `${this.config.fullyQualifiedNamespace}/${this.config.eventHubName}`;
  }

  async send(batch: readonly EncodedEvent[], blob: ContentBlobRef): Promise<ItemOutcome[]> {
    const outcomes: (ItemOutcome | undefined)[] = new Array(batch.length).fill(undefined);
    const events = batch.map((e) => eventHubEventOf(e, blob));
    let next = 0;
    while (next < batch.length) {
      let amqpBatch: EventHubBatch;
      try {
        amqpBatch = await this.createBatch(blob.tenantId);
      } catch (error) {
        return this.stopAt(next, classifyEventHubError(error), outcomes);
      }
      const members: number[] = [];
      while (next < batch.length) {
        if (amqpBatch.tryAdd(events[next])) {
          members.push(next++);
        } else if (members.length === 0) {
          outcomes[next] = tooLargeForEmptyBatch(batch[next], amqpBatch);
          next++;
        } else {
          break;
        }
      }
      if (members.length === 0) continue;
      try {
        await this.producer.sendBatch(amqpBatch);
      } catch (error) {
        const failure = classifyEventHubError(error);
        if (failure.classification === 'tooLarge' && members.length === 1) {
          outcomes[members[0]] = { status: 'rejected', reason: failure.message, code: failure.code };
          continue;
        }
        return this.stopAt(members[0], failure, outcomes);
      }
      for (const m of members) outcomes[m] = { status: 'done' };
    }
    return outcomes as ItemOutcome[];
  }

  async checkHealth(): Promise<SinkHealth> {
    try {
      const batch = await this.createBatch('health-check');
      return {
        ok: true,
        detail: `sender link to ${this.targetOf()} open; batches of up to ${batch.maxSizeInBytes} bytes`,
      };
    } catch (error) {
      return { ok: false, detail: classifyEventHubError(error).message };
    }
  }

  async close(): Promise<void> {
    await this.producer.close();
  }

  private createBatch(partitionKey: string): Promise<EventHubBatch> {
    return this.producer.createBatch(
      this.config.maxBatchBytes === undefined
        ? { partitionKey }
        : { partitionKey, maxSizeInBytes: this.config.maxBatchBytes },
    );
  }

  /**
   * A failure at event `from`: the events before it have their outcomes. With none decided yet, or
   * for a failure retrying cannot cure, the request failed as a whole; otherwise the rest retry.
   */
  private stopAt(
    from: number,
    failure: SinkRequestError,
    outcomes: (ItemOutcome | undefined)[],
  ): ItemOutcome[] {
    const decided = outcomes.some((o) => o !== undefined);
    if (!decided || (failure.classification !== 'throttled' && failure.classification !== 'transient')) {
      throw failure;
    }
    const retry: ItemOutcome = {
      status: 'retry',
      cause: failure.classification,
      reason: failure.message,
      retryAfterMs: failure.retryAfterMs,
    };
    for (let i = from; i < outcomes.length; i++) outcomes[i] ??= retry;
    return outcomes as ItemOutcome[];
  }
}

function tooLargeForEmptyBatch(event: EncodedEvent, batch: EventHubBatch): ItemOutcome {
  return {
    status: 'rejected',
    reason:
      `event of ${Buffer.byteLength(event.payload)} bytes does not fit in an empty Event Hubs batch ` +
      `(${batch.maxSizeInBytes} bytes with its AMQP framing, the event hub's limit)`,
    code: 'MessageTooLargeError',
  };
}
