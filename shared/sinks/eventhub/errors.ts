/**
 * What the Event Hubs SDK's failures mean for the sink, in one table. The SDK reports service and
 * connection failures as MessagingError with `code` (the AMQP condition's name) and `retryable`;
 * credential failures come from @azure/identity; createBatch refuses a maxSizeInBytes over the
 * link's limit with a plain Error.
 */
import { SinkRequestError, type SinkRequestClassification } from '../delivery/errors';

export const SINK_NAME = 'eventhub';

const BY_CODE: Readonly<Record<string, { classification: SinkRequestClassification; advice: string }>> = {
  UnauthorizedError: {
    classification: 'auth',
    advice:
      "the managed identity may not send to this event hub: give it 'Azure Event Hubs Data Sender' on the hub or its namespace",
  },
  PublisherRevokedError: { classification: 'auth', advice: 'the publisher was revoked on this event hub' },
  MessagingEntityNotFoundError: {
    classification: 'configuration',
    advice: 'EVENTHUB_NAME does not exist in EVENTHUB_NAMESPACE',
  },
  // amqp:not-found, and a namespace host that does not resolve (ENOTFOUND) map here.
  ServiceCommunicationError: {
    classification: 'configuration',
    advice: 'EVENTHUB_NAMESPACE could not be reached or does not exist',
  },
  MessagingEntityDisabledError: { classification: 'configuration', advice: 'the event hub is disabled' },
  MessageTooLargeError: { classification: 'tooLarge', advice: "over the event hub's message size limit" },
  ServerBusyError: {
    classification: 'throttled',
    advice: 'Event Hubs is busy (throughput units exhausted?)',
  },
  QuotaExceededError: { classification: 'throttled', advice: 'an Event Hubs quota was exceeded' },
};

const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AuthenticationRequiredError',
]);

interface MessagingErrorShape {
  name: string;
  message: string;
  code?: string;
  retryable?: boolean;
}

function isMessagingError(error: unknown): error is MessagingErrorShape {
  return error instanceof Error && error.name === 'MessagingError';
}

/** A request (createBatch or sendBatch) that failed as a whole, as the framework's typed error. */
export function classifyEventHubError(error: unknown): SinkRequestError {
  if (error instanceof SinkRequestError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isMessagingError(error)) {
    const code = error.code ?? 'MessagingError';
    const known = BY_CODE[code];
    if (known) {
      return new SinkRequestError(SINK_NAME, known.classification, `${known.advice} (${code}: ${message})`, {
        code,
        cause: error,
      });
    }
    return new SinkRequestError(
      SINK_NAME,
      error.retryable === false ? 'configuration' : 'transient',
      `Event Hubs failed (${code}: ${message})`,
      { code, cause: error },
    );
  }
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return new SinkRequestError(
      SINK_NAME,
      'auth',
      `no token for Event Hubs from the managed identity (${error.name}: ${message})`,
      { code: error.name, cause: error },
    );
  }
  if (error instanceof Error && /^Max message size \(\d+ bytes\) is greater than/.test(message)) {
    return new SinkRequestError(
      SINK_NAME,
      'configuration',
      `EVENTHUB_MAX_BATCH_BYTES is larger than this event hub takes (${message}); lower it or leave it unset`,
      { cause: error },
    );
  }
  return new SinkRequestError(SINK_NAME, 'transient', `Event Hubs unreachable (${message})`, {
    cause: error,
  });
}
