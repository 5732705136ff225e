/**
 * A recording stand-in for `EventHubProducerClient`, since no Event Hubs broker (nor the emulator,
 * a container image) can run here. It has the client's createBatch/tryAdd/sendBatch/close surface and
 * keeps the rules the sink depends on:
 *  - the sender link has a largest message size (1 MB Standard/Premium, 256 KB Basic): a batch is
 *    created with it, and createBatch refuses a `maxSizeInBytes` above it with the SDK's own message;
 *  - tryAdd measures each event as AMQP encodes it (rhea, the SDK's AMQP library: the message with
 *    its properties, application properties and partition key annotation, plus the batch's framing)
 *    and answers false once the batch would pass its limit;
 *  - a closed producer refuses to work.
 * What it cannot show: the service's own answers beyond the failures a test scripts (as
 * MessagingError with the SDK's codes), partitions, and real AMQP sessions.
 */
import { MessagingError } from '@azure/event-hubs';
import { message as amqp } from 'rhea-promise';
import type { EventHubEvent } from '../../shared/sinks/eventhub/encoder';
import type { EventHubBatch, EventHubProducer } from '../../shared/sinks/eventhub/producer';

export const STANDARD_TIER_BYTES = 1024 * 1024;
export const BASIC_TIER_BYTES = 256 * 1024;

/** What the SDK adds per message inside a batch (smaller for messages up to 255 bytes). */
const SMALL_MESSAGE_OVERHEAD = 5;
const LARGE_MESSAGE_OVERHEAD = 8;

export interface RecordedEvent {
  body: string;
  messageId: string;
  contentType: string;
  properties: Record<string, unknown>;
}

export interface SentBatch {
  partitionKey?: string;
  sizeInBytes: number;
  maxSizeInBytes: number;
  events: RecordedEvent[];
}

export class RecordingEventHubBatch implements EventHubBatch {
  private size: number;
  readonly events: EventHubEvent[] = [];

  constructor(
    readonly maxSizeInBytes: number,
    readonly partitionKey?: string,
  ) {
    this.size = amqp.encode({
      body: amqp.data_section(Buffer.alloc(0)),
      message_annotations: partitionKey === undefined ? undefined : { 'x-opt-partition-key': partitionKey },
    }).length;
  }

  get count(): number {
    return this.events.length;
  }

  get sizeInBytes(): number {
    return this.size;
  }

  tryAdd(event: EventHubEvent): boolean {
    const encoded = amqp.encode({
      body: amqp.data_section(event.body),
      message_id: event.messageId,
      content_type: event.contentType,
      application_properties: event.properties,
      message_annotations:
        this.partitionKey === undefined ? undefined : { 'x-opt-partition-key': this.partitionKey },
    }).length;
    const added = encoded + (encoded <= 255 ? SMALL_MESSAGE_OVERHEAD : LARGE_MESSAGE_OVERHEAD);
    if (this.size + added > this.maxSizeInBytes) return false;
    this.size += added;
    this.events.push(event);
    return true;
  }
}

/** A MessagingError as the SDK raises it from an AMQP condition. */
export function messagingError(code: string, message: string, retryable: boolean): MessagingError {
  const error = new MessagingError(message);
  error.code = code;
  error.retryable = retryable;
  return error;
}

export class RecordingEventHubProducer implements EventHubProducer<RecordingEventHubBatch> {
  readonly sent: SentBatch[] = [];
  createBatchCalls = 0;
  closed = false;
  private readonly createFailures: Error[] = [];
  private readonly sendFailures: Error[] = [];

  /** `linkMaxMessageSize`: the tier's limit as the sender link reports it. */
  constructor(readonly linkMaxMessageSize: number = STANDARD_TIER_BYTES) {}

  /** The next createBatch calls throw these, in order (a link that cannot open, a refused identity). */
  failNextCreateBatch(...errors: Error[]): void {
    this.createFailures.push(...errors);
  }

  /** The next sendBatch calls throw these, in order, and send nothing. */
  failNextSends(...errors: Error[]): void {
    this.sendFailures.push(...errors);
  }

  async createBatch(
    options: { partitionKey?: string; maxSizeInBytes?: number } = {},
  ): Promise<RecordingEventHubBatch> {
    this.assertOpen();
    this.createBatchCalls++;
    const failure = this.createFailures.shift();
    if (failure) throw failure;
    if (options.maxSizeInBytes && options.maxSizeInBytes > this.linkMaxMessageSize) {
      throw new Error(
        `Max message size (${options.maxSizeInBytes} bytes) is greater than maximum message size (${this.linkMaxMessageSize} bytes) on the AMQP sender link.`,
      );
    }
    return new RecordingEventHubBatch(
      options.maxSizeInBytes || this.linkMaxMessageSize,
      options.partitionKey,
    );
  }

  async sendBatch(batch: RecordingEventHubBatch): Promise<void> {
    this.assertOpen();
    const failure = this.sendFailures.shift();
    if (failure) throw failure;
    if (batch.sizeInBytes > this.linkMaxMessageSize) {
      throw messagingError(
        'MessageTooLargeError',
        `batch of ${batch.sizeInBytes} bytes is over the link limit`,
        false,
      );
    }
    this.sent.push({
      partitionKey: batch.partitionKey,
      sizeInBytes: batch.sizeInBytes,
      maxSizeInBytes: batch.maxSizeInBytes,
      events: batch.events.map((e) => ({
        body: e.body.toString('utf8'),
        messageId: e.messageId,
        contentType: e.contentType,
        properties: { ...e.properties },
      })),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Every event sent so far, in order. */
  allEvents(): RecordedEvent[] {
    return this.sent.flatMap((b) => b.events);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The underlying AMQP connection is closed.');
  }
}
