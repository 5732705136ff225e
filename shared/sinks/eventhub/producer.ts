/**
 * The part of `EventHubProducerClient` the eventhub sink uses. Production passes the real client
 * (which satisfies this interface as it is); tests pass a recording stand-in, since no Event Hubs
 * broker can run here. The sink knows nothing else of either.
 */
import type { TokenCredential } from '@azure/core-auth';
import { EventHubProducerClient, type EventDataBatch } from '@azure/event-hubs';
import type { EventHubSinkConfig } from './config';
import type { EventHubEvent } from './encoder';

export interface EventHubBatch {
  readonly count: number;
  readonly sizeInBytes: number;
  readonly maxSizeInBytes: number;
  tryAdd(event: EventHubEvent): boolean;
}

export interface EventHubProducer<B extends EventHubBatch = EventHubBatch> {
  /** `maxSizeInBytes` over the link's own limit makes this throw (the SDK checks it). */
  createBatch(options: { partitionKey?: string; maxSizeInBytes?: number }): Promise<B>;
  sendBatch(batch: B): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real client, signed in with the managed identity (Azure Event Hubs Data Sender). Its own
 * retries are off: the sink framework retries with backoff and counts the attempts, so a throttled
 * hub does not hold the invocation inside the SDK.
 */
export function createEventHubProducer(
  config: EventHubSinkConfig,
  credential: TokenCredential,
): EventHubProducer<EventDataBatch> {
  return new EventHubProducerClient(config.fullyQualifiedNamespace, config.eventHubName, credential, {
    retryOptions: { maxRetries: 0 },
  });
}
