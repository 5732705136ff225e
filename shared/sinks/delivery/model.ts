/**
 * The sink framework's vocabulary. Two levels:
 * - `ContentSink`: what the pipeline calls, once per content blob and sink, with the blob's event
 *   stream; it answers a `SinkBlobOutcome` the caller records per sink (ledger) and acts on.
 * - `BatchSinkService`: what an HTTP destination implements (Elasticsearch, Splunk, and later Event
 *   Hubs and Log Analytics): its limits, how one event looks on its wire, and how it sends a batch and
 *   classifies the answer per event. `BatchingContentSink` turns such a service into a ContentSink
 *   with the shared batching, retry, deferral and dead-letter machinery.
 */
import type { ContentBlobRef } from '../sink';

/** One event on its way to a sink, serialized once for all sinks. */
export interface SinkEvent {
  /** The ECS event. Encoders read fields from it (`@timestamp`) but never change it. */
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
  /** The sink's bytes for this one event (e.g. a `_bulk` action line plus the document line). */
  payload: string;
  /** UTF-8 length of `payload`. */
  bytes: number;
}

export interface SinkLimits {
  /** Largest batch (sum of payload bytes) the batcher builds: the destination's request limit or less. */
  maxBatchBytes: number;
  maxBatchEvents: number;
  /**
   * Largest single event; one over it is dead-lettered without being sent. Default maxBatchBytes.
   * May exceed maxBatchBytes where the destination takes bigger requests than the batches we build
   * (such an event then travels alone).
   */
  maxEventBytes?: number;
  /** Requests in flight per content blob; default the delivery option `concurrency`. */
  maxInFlight?: number;
}

/** Why an event should be sent again. */
export type RetryCause =
  /** The destination asked us to slow down (429, HEC code 9). */
  | 'throttled'
  /** A transient failure (5xx, network, no acknowledgement in time). */
  | 'transient'
  /** The destination did not look at the event (an earlier event of the batch stopped it): resend at once. */
  | 'notProcessed';

/** What the destination said about one event of a batch. */
export type ItemOutcome =
  | { status: 'done'; /** It was already there (Elasticsearch 409 on create). */ alreadyPresent?: boolean }
  | {
      status: 'retry';
      cause: RetryCause;
      reason: string;
      retryAfterMs?: number;
      code?: string;
      statusCode?: number;
    }
  | {
      status: 'rejected';
      reason: string;
      /** The destination's error code/type. */ code?: string;
      statusCode?: number;
    };

export interface SinkHealth {
  ok: boolean;
  /** One sentence: what was checked and what it said. */
  detail: string;
}

/** What an HTTP destination implements; see BatchingContentSink for what it gets for free. */
export interface BatchSinkService {
  readonly name: string;
  readonly limits: SinkLimits;
  /** True when sending an event twice stores it once (Elasticsearch create with _id = event.id). */
  readonly idempotentOnEventId: boolean;
  /** Pure: the event in this destination's wire format. Throws for an event it can never carry. */
  encode(event: SinkEvent, blob: ContentBlobRef): EncodedEvent;
  /**
   * Sends one batch and answers one outcome per event, in the batch's order. A request that failed
   * as a whole throws SinkRequestError (anything else thrown counts as transient).
   */
  send(batch: readonly EncodedEvent[], blob: ContentBlobRef): Promise<ItemOutcome[]>;
  /** Where this blob's events go, in the destination's terms (index, HEC URL). */
  targetOf(blob: ContentBlobRef): string;
  checkHealth(): Promise<SinkHealth>;
  close?(): Promise<void>;
}

/** What one sink did with one content blob; the caller records it per sink. */
export interface SinkBlobOutcome {
  sink: string;
  /**
   * completed: every event is in the sink or in its dead letter; record the sink as done for the blob.
   * deferred: throttling or transient failures outlasted this invocation's retry budget; `error` is a
   * SinkDeferredError: put the blob off for this sink (as for API throttling).
   * failed: the sink cannot take the blob now (auth, configuration, storage); `error` says why; the
   * queue's normal retries and the poison queue apply.
   */
  status: 'completed' | 'deferred' | 'failed';
  /** Events the sink took from the stream (all of the blob's when completed). */
  events: number;
  /** Stored by this delivery. */
  written: number;
  /** Already in the sink from an earlier delivery (counted as written by the user's measure). */
  alreadyPresent: number;
  /** Refused for good and written to the dead letter with the sink's reason. */
  deadLettered: number;
  /** `container/path` of the dead-letter blob, when any event was dead-lettered. */
  deadLetterLocation?: string;
  /** Where the events went, in the sink's terms. */
  location?: string;
  /** Requests sent (retries included). */
  requests: number;
  error?: Error;
}

/** The interface the pipeline calls: one per configured sink. */
export interface ContentSink {
  readonly name: string;
  readonly idempotentOnEventId: boolean;
  /**
   * Delivers one content blob's events. Answers an outcome instead of throwing for the sink's own
   * failures; an error of the event stream itself (the content fetch) is thrown unchanged.
   */
  deliver(blob: ContentBlobRef, events: AsyncIterable<object>): Promise<SinkBlobOutcome>;
  checkHealth(): Promise<SinkHealth>;
  close?(): Promise<void>;
}
