/** The eventhub sink as the composition root builds it: the real producer behind the service. */
import type { TokenCredential } from '@azure/core-auth';
import type { EventHubSinkConfig } from './config';
import { EventHubService } from './eventHubService';
import { createEventHubProducer } from './producer';

export { EventHubService } from './eventHubService';
export type { EventHubSinkConfig } from './config';

export function createEventHubService(
  config: EventHubSinkConfig,
  credential: TokenCredential,
): EventHubService {
  return new EventHubService(config, createEventHubProducer(config, credential));
}
