/** The eventhub sink's typed settings and the naming rules they are checked against. */

export interface EventHubSinkConfig {
  /** EVENTHUB_NAMESPACE: the namespace's host name, e.g. evhns-x.servicebus.windows.net. */
  fullyQualifiedNamespace: string;
  /** EVENTHUB_NAME: the event hub inside that namespace. */
  eventHubName: string;
  /**
   * EVENTHUB_MAX_BATCH_BYTES: largest batch to send. Unset, the batch size is the one the hub's
   * sender link reports, which is the tier's limit (1 MB Standard/Premium, 256 KB Basic).
   */
  maxBatchBytes?: number;
}

export const EVENTHUB_LIMITS = {
  /**
   * What batches are grouped to before the sender splits them under the link's own limit: the
   * Standard/Premium publication limit (1 MB), also the largest event that can go at all.
   */
  tierBatchBytes: 1024 * 1024,
  /** Event Hubs counts bytes, not events; this only bounds how many events one request holds. */
  maxBatchEvents: 5000,
  /** The Dedicated tier takes up to 20 MB; nothing larger can be meant. */
  largestSettableBatchBytes: 20 * 1024 * 1024,
  smallestSettableBatchBytes: 1024,
} as const;

/**
 * A fully qualified namespace is a host name (`<namespace>.servicebus.windows.net`, or the sovereign
 * clouds' servicebus hosts), not a URL or a connection string.
 */
export function namespaceProblem(value: string): string | undefined {
  // Checked first, and not echoed: a connection string carries a key.
  if (/Endpoint=|SharedAccessKey/i.test(value)) {
    return 'must be the namespace host name, not a connection string (the managed identity signs in)';
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('/')) {
    return `must be the namespace's host name only, e.g. evhns-x.servicebus.windows.net, got "${value}"`;
  }
  if (
    !/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(value)
  ) {
    return `must be a fully qualified host name such as evhns-x.servicebus.windows.net, got "${value}"`;
  }
  return undefined;
}

/** Event hub names: 1-256 letters, digits, periods, hyphens and underscores, starting and ending with a letter or digit. */
export function eventHubNameProblem(value: string): string | undefined {
  if (value.length > 256) return 'must be at most 256 characters';
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(value)) {
    return `may hold only letters, digits, periods, hyphens and underscores, and must start and end with a letter or digit, got "${value}"`;
  }
  return undefined;
}
