/**
 * The batch-sink contract the Azure-native sinks (eventhub, loganalytics) are written against.
 *
 * MERGE NOTE: this file mirrors, name for name, the part of the sink framework (issue 11,
 * shared/sinks/delivery/model.ts, errors.ts and batches.ts) these sinks use, because that framework had
 * not landed when they were written. Once it has: delete this file and point the imports at
 * `../delivery/model` (types), `../delivery/errors` (SinkRequestError, retryAfterMsOf) and
 * `../delivery/batches` (batchesOf). Nothing else changes; the services then go into
 * `new BatchingContentSink(service, deadLetters)` like the others: in createContentSinks,
 * `createEventHubService(config.azureSinks.eventhub, azureCredential)` and
 * `createLogAnalyticsService(config.azureSinks.loganalytics, azureCredential)`, with the app's managed
 * identity credential (DefaultAzureCredential with AZURE_CLIENT_ID, as functions/services.ts builds it).
 */
import type { ContentBlobRef } from './sink';

/** One event on its way to a sink, serialized once for all sinks. */
export interface SinkEvent {
  /** The ECS event. Encoders read fields from it but never change it. */
  event: object;
  /** The event's complete JSON text, without a newline. */
  json: string;
  /** 0-based position of the event in its content blob's event stream. */
  position: number;
  /** `event.id` (the record Id) when the event has one. */
  eventId?: string;
}

/** One event in a sink's wire format, ready to be put in a batch. */
export interface EncodedEvent {
  source: SinkEvent;
  /** The sink's bytes for this one event. */
  payload: string;
  /** Size of this event on the destination's wire, used to fill batches under `SinkLimits`. */
  bytes: number;
}

export interface SinkLimits {
  /** Largest batch (sum of `bytes`) the batcher builds. */
  maxBatchBytes: number;
  maxBatchEvents: number;
  /** Largest single event; one over it is dead-lettered without being sent. Default maxBatchBytes. */
  maxEventBytes?: number;
  /** Requests in flight per content blob. */
  maxInFlight?: number;
}

export type RetryCause = 'throttled' | 'transient' | 'notProcessed';

/** What the destination said about one event of a batch. */
export type ItemOutcome =
  | { status: 'done'; alreadyPresent?: boolean }
  | { status: 'retry'; cause: RetryCause; reason: string; retryAfterMs?: number }
  | { status: 'rejected'; reason: string; code?: string; statusCode?: number };

export interface SinkHealth {
  ok: boolean;
  /** One sentence: what was checked and what it said. */
  detail: string;
}

export interface BatchSinkService {
  readonly name: string;
  readonly limits: SinkLimits;
  readonly idempotentOnEventId: boolean;
  /** Pure: the event in this destination's wire format. Throws for an event it can never carry. */
  encode(event: SinkEvent, blob: ContentBlobRef): EncodedEvent;
  /**
   * Sends one batch and answers one outcome per event, in the batch's order. A request that failed
   * as a whole throws SinkRequestError.
   */
  send(batch: readonly EncodedEvent[], blob: ContentBlobRef): Promise<ItemOutcome[]>;
  targetOf(blob: ContentBlobRef): string;
  checkHealth(): Promise<SinkHealth>;
  close?(): Promise<void>;
}

export type SinkRequestClassification = 'throttled' | 'transient' | 'auth' | 'configuration' | 'tooLarge';

/** Thrown by a BatchSinkService when a request failed as a whole. */
export class SinkRequestError extends Error {
  override readonly name = 'SinkRequestError';
  readonly statusCode?: number;
  readonly code?: string;
  readonly retryAfterMs?: number;

  constructor(
    readonly sink: string,
    readonly classification: SinkRequestClassification,
    message: string,
    details: { statusCode?: number; code?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Retry-After (delta-seconds or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMsOf(
  value: string | null | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}

/**
 * Groups encoded events into batches under a sink's limits, lazily: a batch is yielded as soon as the
 * next event would not fit.
 */
export async function* batchesOf(
  events: AsyncIterable<EncodedEvent>,
  limits: Pick<SinkLimits, 'maxBatchBytes' | 'maxBatchEvents'>,
): AsyncGenerator<EncodedEvent[]> {
  let batch: EncodedEvent[] = [];
  let bytes = 0;
  for await (const event of events) {
    if (
      batch.length > 0 &&
      (bytes + event.bytes > limits.maxBatchBytes || batch.length >= limits.maxBatchEvents)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += event.bytes;
  }
  if (batch.length > 0) yield batch;
}
