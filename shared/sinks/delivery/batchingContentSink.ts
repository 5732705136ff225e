/**
 * The shared machinery every HTTP sink gets: events are serialized and encoded once, grouped into
 * batches under the sink's limits, sent with bounded concurrency (so a 100 MB blob holds at most
 * `maxInFlight` batches in memory), and the sink's answer is acted on per event:
 * - done (or already present) is counted;
 * - rejected goes to the dead letter with the sink's reason;
 * - retry is sent again after a backoff that honours Retry-After, up to `maxAttempts` sends and
 *   `maxRetryWaitMs` of waiting in this invocation; past that the delivery stops with a
 *   SinkDeferredError, which the caller turns into a delayed requeue of the blob for this sink.
 * A request refused as a whole for auth or configuration stops the delivery with SinkFailedError.
 */
import { inspect } from 'node:util';
import type { Logger } from '../../log';
import type { ContentBlobRef } from '../sink';
import { halfJitterBackoffMs } from '../../managementApi/retryPolicy';
import { batchesOf } from './batches';
import type { DeadLetterFile, DeadLetterStore } from './deadLetter';
import { SinkDeferredError, SinkFailedError, SinkRequestError } from './errors';
import type {
  BatchSinkService,
  ContentSink,
  EncodedEvent,
  ItemOutcome,
  SinkBlobOutcome,
  SinkHealth,
} from './model';
import { toSinkEvent } from './sinkEvents';

export interface DeliveryOptions {
  /** Requests in flight per blob when the sink sets no `maxInFlight` (default 2). */
  concurrency: number;
  /** Sends of one event before the blob is put off (default 5). */
  maxAttempts: number;
  /** First retry delay, doubled per attempt (default 500 ms). */
  retryBaseMs: number;
  /** Longest single retry delay (default 30 s). */
  retryMaxDelayMs: number;
  /** Total retry waiting per blob and sink before it is put off (default 60 s). */
  maxRetryWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger?: Logger;
}

export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  concurrency: 2,
  maxAttempts: 5,
  retryBaseMs: 500,
  retryMaxDelayMs: 30_000,
  maxRetryWaitMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export class BatchingContentSink implements ContentSink {
  readonly name: string;
  readonly idempotentOnEventId: boolean;
  private readonly options: DeliveryOptions;

  constructor(
    private readonly service: BatchSinkService,
    private readonly deadLetters: DeadLetterStore,
    options: Partial<DeliveryOptions> = {},
  ) {
    this.name = service.name;
    this.idempotentOnEventId = service.idempotentOnEventId;
    this.options = { ...DEFAULT_DELIVERY_OPTIONS, ...options };
  }

  deliver(blob: ContentBlobRef, events: AsyncIterable<object>): Promise<SinkBlobOutcome> {
    return new BatchDelivery(this.service, this.deadLetters.open(this.name, blob), blob, this.options).run(
      events,
    );
  }

  checkHealth(): Promise<SinkHealth> {
    return this.service.checkHealth();
  }

  async close(): Promise<void> {
    await this.service.close?.();
  }
}

/** One blob's delivery to one sink. */
class BatchDelivery {
  private readonly outcome: SinkBlobOutcome;
  /** Set once the delivery must stop: SinkDeferredError or SinkFailedError. */
  private stop?: Error;
  private waitedMs = 0;
  private readonly maxEventBytes: number;

  constructor(
    private readonly service: BatchSinkService,
    private readonly deadLetter: DeadLetterFile,
    private readonly blob: ContentBlobRef,
    private readonly options: DeliveryOptions,
  ) {
    this.outcome = {
      sink: service.name,
      status: 'completed',
      events: 0,
      written: 0,
      alreadyPresent: 0,
      deadLettered: 0,
      requests: 0,
      location: service.targetOf(blob),
    };
    this.maxEventBytes = service.limits.maxEventBytes ?? service.limits.maxBatchBytes;
  }

  async run(events: AsyncIterable<object>): Promise<SinkBlobOutcome> {
    const maxInFlight = Math.max(1, this.service.limits.maxInFlight ?? this.options.concurrency);
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const batch of batchesOf(this.encoded(events), this.service.limits)) {
        while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        if (this.stop) break;
        const sending: Promise<void> = this.sendWithRetries(batch).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
      }
    } finally {
      // Whatever ended the loop (the end, a stop, the source's own error), requests already sent are
      // seen through, so their events are counted or dead-lettered.
      await Promise.allSettled(inFlight);
    }
    this.outcome.deadLetterLocation = await this.deadLetter.close();
    if (this.stop) {
      this.outcome.status = this.stop instanceof SinkDeferredError ? 'deferred' : 'failed';
      this.outcome.error = this.stop;
    }
    return this.outcome;
  }

  /** Serializes and encodes each event; refuses here what the sink could never carry. */
  private async *encoded(events: AsyncIterable<object>): AsyncGenerator<EncodedEvent> {
    let position = 0;
    for await (const event of events) {
      if (this.stop) return;
      this.outcome.events++;
      const serialized = toSinkEvent(event, position++);
      if (!serialized.ok) {
        // Kept as far as it can be described, so the dead letter still shows what was refused.
        const described = JSON.stringify({
          unserializable: inspect(event, { depth: 6, breakLength: Infinity }),
        });
        await this.refuse(serialized.position, serialized.eventId, serialized.reason, described);
        continue;
      }
      let encoded: EncodedEvent;
      try {
        encoded = this.service.encode(serialized.event, this.blob);
      } catch (error) {
        await this.refuse(
          serialized.event.position,
          serialized.event.eventId,
          (error as Error).message,
          serialized.event.json,
        );
        continue;
      }
      if (encoded.bytes > this.maxEventBytes) {
        await this.refuse(
          serialized.event.position,
          serialized.event.eventId,
          `event of ${encoded.bytes} bytes is over the ${this.maxEventBytes}-byte limit of one ${this.service.name} request`,
          serialized.event.json,
        );
        continue;
      }
      yield encoded;
    }
  }

  private async refuse(
    position: number,
    eventId: string | undefined,
    reason: string,
    json: string,
    answer: { code?: string; statusCode?: number } = {},
  ): Promise<void> {
    await this.deadLetter.add({ position, eventId, reason, ...answer, json });
    this.outcome.deadLettered++;
  }

  private async sendWithRetries(batch: EncodedEvent[]): Promise<void> {
    let pending = batch;
    let attempt = 0;
    while (pending.length > 0 && !this.stop) {
      attempt++;
      const outcomes = await this.sendOnce(pending);
      if (!outcomes) return;
      const retry: EncodedEvent[] = [];
      let waitForServer = false;
      let retryAfterMs: number | undefined;
      let lastRetry: Extract<ItemOutcome, { status: 'retry' }> | undefined;
      for (let i = 0; i < pending.length; i++) {
        const o = outcomes[i];
        const event = pending[i];
        if (o.status === 'done') {
          if (o.alreadyPresent) this.outcome.alreadyPresent++;
          else this.outcome.written++;
        } else if (o.status === 'rejected') {
          await this.refuse(event.source.position, event.source.eventId, o.reason, event.source.json, {
            code: o.code,
            statusCode: o.statusCode,
          });
        } else {
          retry.push(event);
          if (o.cause !== 'notProcessed') {
            waitForServer = true;
            lastRetry = o;
          }
          if (o.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, o.retryAfterMs);
        }
      }
      // Events the destination never looked at go again at once, and that send is not an attempt,
      // unless nothing at all moved (which would otherwise loop).
      if (!waitForServer && retry.length < pending.length) {
        attempt--;
        pending = retry;
        continue;
      }
      pending = retry;
      if (pending.length === 0) return;
      const cause = lastRetry ?? { cause: 'transient' as const, reason: 'events were not processed' };
      if (attempt >= this.options.maxAttempts) {
        this.defer(
          lastRetry,
          `${pending.length} events still not accepted after ${attempt} attempts: ${cause.reason}`,
          retryAfterMs,
        );
        return;
      }
      const delay = Math.max(
        retryAfterMs ?? 0,
        halfJitterBackoffMs(
          attempt,
          { baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxDelayMs },
          this.options.random,
        ),
      );
      if (this.waitedMs + delay > this.options.maxRetryWaitMs) {
        this.defer(
          lastRetry,
          `waiting ${delay} ms more would pass this invocation's retry budget: ${cause.reason}`,
          retryAfterMs,
        );
        return;
      }
      this.waitedMs += delay;
      this.options.logger?.warn('sink asked to send events again', {
        sink: this.service.name,
        contentId: this.blob.contentId,
        events: pending.length,
        attempt,
        delayMs: delay,
        reason: cause.reason,
      });
      await this.options.sleep(delay);
    }
  }

  /** One request; answers per-event outcomes, or undefined when the delivery must stop. */
  private async sendOnce(pending: EncodedEvent[]): Promise<ItemOutcome[] | undefined> {
    this.outcome.requests++;
    try {
      const outcomes = await this.service.send(pending, this.blob);
      if (outcomes.length !== pending.length) {
        throw new Error(
          `${this.service.name} answered ${outcomes.length} outcomes for ${pending.length} events`,
        );
      }
      return outcomes;
    } catch (error) {
      const e =
        error instanceof SinkRequestError
          ? error
          : new SinkRequestError(this.service.name, 'transient', (error as Error).message ?? String(error), {
              cause: error,
            });
      if (e.classification === 'auth' || e.classification === 'configuration') {
        this.stop ??= new SinkFailedError(this.service.name, e.classification, e.message, {
          statusCode: e.statusCode,
          code: e.code,
          cause: e,
        });
        return undefined;
      }
      if (e.classification === 'tooLarge') {
        if (pending.length === 1) {
          return [
            {
              status: 'rejected',
              reason: `too large for ${this.service.name}: ${e.message}`,
              code: e.code,
              statusCode: e.statusCode,
            },
          ];
        }
        this.stop ??= new SinkFailedError(
          this.service.name,
          'configuration',
          `${this.service.name} refused a batch of ${pending.length} events as too large (${e.message}); ` +
            `lower the sink's batch size setting below the destination's request limit`,
          { statusCode: e.statusCode, code: e.code, cause: e },
        );
        return undefined;
      }
      return pending.map(() => ({
        status: 'retry',
        cause: e.classification as 'throttled' | 'transient',
        reason: e.message,
        retryAfterMs: e.retryAfterMs,
        statusCode: e.statusCode,
        code: e.code,
      }));
    }
  }

  private defer(
    last: Extract<ItemOutcome, { status: 'retry' }> | undefined,
    reason: string,
    retryAfterMs?: number,
  ): void {
    this.stop ??= new SinkDeferredError(
      this.service.name,
      last?.cause === 'throttled' ? 'throttled' : 'transient',
      `${this.service.name} put off content ${this.blob.contentId}: ${reason}`,
      { retryAfterMs, statusCode: last?.statusCode, code: last?.code },
    );
  }
}
