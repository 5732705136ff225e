/**
 * Builds the configured sinks, in SINKS order, for the composition root. Sinks that send over HTTP
 * get the shared machinery and a dead letter in the events container.
 */
import type { BlobServiceClient } from '@azure/storage-blob';
import type { AppConfig } from '../config/settings';
import { namedSecret } from '../secrets/namedSecret';
import { type ClientSecretProvider, KeyVaultSecretProvider } from '../secrets/secretProvider';
import { BlobContentSink } from './blob/blobContentSink';
import { BlobNdjsonSink } from './blobNdjsonSink';
import { BatchingContentSink, type DeliveryOptions } from './delivery/batchingContentSink';
import { BlobDeadLetterStore, type DeadLetterStore } from './delivery/deadLetter';
import type { ContentSink } from './delivery/model';
import { ElasticsearchService } from './elasticsearch/elasticsearchService';
import { FileContentSink } from './file/fileSink';
import type { EventSink } from './sink';
import { SplunkHecService } from './splunk/splunkService';

export interface SinkDependencies {
  blobService: BlobServiceClient;
  /** The tenants' secret provider: Key Vault when configured, which then also holds the sinks' secrets. */
  secrets: ClientSecretProvider;
  /** The blob sink's writer (default: NDJSON blobs in the events container). */
  blobWriter?: EventSink & { ensureExists?(): Promise<void> };
  deadLetters?: DeadLetterStore;
  delivery?: Partial<DeliveryOptions>;
}

export function createContentSinks(
  config: Pick<AppConfig, 'sinks' | 'names'>,
  deps: SinkDependencies,
): ContentSink[] {
  const container = deps.blobService.getContainerClient(config.names.eventsContainer);
  const deadLetters = deps.deadLetters ?? new BlobDeadLetterStore(container);
  const keyVault = deps.secrets instanceof KeyVaultSecretProvider ? deps.secrets : undefined;
  const { sinks } = config;
  return sinks.enabled.map((name): ContentSink => {
    switch (name) {
      case 'blob':
        return new BlobContentSink(
          deps.blobWriter ?? new BlobNdjsonSink(deps.blobService, config.names.eventsContainer),
        );
      case 'file':
        return new FileContentSink(required(sinks.file, name));
      case 'elasticsearch': {
        const es = required(sinks.elasticsearch, name);
        return new BatchingContentSink(
          new ElasticsearchService(es, namedSecret(es.apiKey, keyVault)),
          deadLetters,
          deps.delivery,
        );
      }
      case 'splunk': {
        const splunk = required(sinks.splunk, name);
        return new BatchingContentSink(
          new SplunkHecService(splunk, namedSecret(splunk.token, keyVault)),
          deadLetters,
          deps.delivery,
        );
      }
    }
  });
}

function required<T>(value: T | undefined, sink: string): T {
  if (value === undefined)
    throw new Error(`settings of the ${sink} sink are missing although SINKS names it`);
  return value;
}
