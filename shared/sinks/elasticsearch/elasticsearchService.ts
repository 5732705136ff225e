/**
 * The elasticsearch sink's service: sends batches with the official client's `bulk` API and reads
 * the answer per item (bulkAnswer.ts). The batches are made by the shared machinery from already
 * serialized events and handed to the client as NDJSON text, which it sends as is (it serializes
 * only objects), so no event is stringified twice. The client's own retries are off: the machinery
 * retries with backoff and Retry-After, and counts the attempts.
 *
 * The API key is read through the secret provider for each request (cached there), so a key
 * renewed in Key Vault is used within SECRET_CACHE_SECONDS; a 401 drops the cached value at once.
 */
import { Client, type ClientOptions, type estypes } from '@elastic/elasticsearch';
import { readSinkSecret, SinkRequestError } from '../delivery/errors';
import type {
  BatchSinkService,
  EncodedEvent,
  ItemOutcome,
  SinkEvent,
  SinkHealth,
  SinkLimits,
} from '../delivery/model';
import type { SecretValue } from '../../secrets/namedSecret';
import type { ContentBlobRef } from '../sink';
import { classifyBulkItem, classifyElasticsearchError, SINK_NAME } from './bulkAnswer';
import { ELASTICSEARCH_MAX_CONTENT_LENGTH, type ElasticsearchSinkConfig } from './config';
import { encodeBulkCreate } from './encoder';

/** Room for the action line of an event travelling alone. */
const ACTION_LINE_ROOM = 1024;

export class ElasticsearchService implements BatchSinkService {
  readonly name = SINK_NAME;
  /** create with _id = event.id: a repeated record is a 409, stored once (per backing index). */
  readonly idempotentOnEventId = true;
  readonly limits: SinkLimits;
  private current?: { key: string; client: Client };

  constructor(
    private readonly config: ElasticsearchSinkConfig,
    private readonly apiKey: SecretValue,
    /** Extra client options (tests pass none; kept for transport tuning). */
    private readonly clientOptions: Partial<ClientOptions> = {},
  ) {
    this.limits = {
      maxBatchBytes: config.maxBatchBytes,
      maxBatchEvents: config.maxBatchEvents,
      maxEventBytes: ELASTICSEARCH_MAX_CONTENT_LENGTH - ACTION_LINE_ROOM,
    };
  }

  encode(event: SinkEvent, blob: ContentBlobRef): EncodedEvent {
    return encodeBulkCreate(event, blob);
  }

  targetOf(): string {
    return this.config.index;
  }

  async send(batch: readonly EncodedEvent[]): Promise<ItemOutcome[]> {
    const client = await this.client();
    let response: estypes.BulkResponse;
    try {
      // A string body goes out as is; the typings only describe the object form.
      const request = { index: this.config.index, operations: batch.map((e) => e.payload).join('') };
      response = await client.bulk(request as unknown as estypes.BulkRequest);
    } catch (error) {
      const failure = classifyElasticsearchError(error);
      if (failure.statusCode === 401) this.apiKey.invalidate();
      throw failure;
    }
    const items = Array.isArray(response.items) ? response.items : [];
    if (items.length !== batch.length) {
      throw new SinkRequestError(
        SINK_NAME,
        'transient',
        `Elasticsearch answered ${items.length} items for ${batch.length} operations`,
      );
    }
    if (response.errors === false) return items.map(() => ({ status: 'done' }));
    return items.map((item) => {
      const answer = item.create ?? Object.values(item)[0];
      const verdict = classifyBulkItem({ status: answer?.status ?? 0, error: answer?.error });
      if (verdict.status === 'stop') {
        throw new SinkRequestError(SINK_NAME, verdict.classification, verdict.reason, {
          statusCode: verdict.statusCode,
          code: verdict.code,
        });
      }
      return verdict;
    });
  }

  async checkHealth(): Promise<SinkHealth> {
    try {
      const client = await this.client();
      const me = await client.security.authenticate();
      const key = me.api_key?.name ?? me.api_key?.id;
      return {
        ok: true,
        detail: `authenticated as ${me.username}${key ? ` with API key ${key}` : ''}; writing to ${this.config.index}`,
      };
    } catch (error) {
      const e = error instanceof SinkRequestError ? error : classifyElasticsearchError(error);
      return { ok: false, detail: e.message };
    }
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.client.close();
  }

  /** The client for the current key; a renewed key gets a new client. */
  private async client(): Promise<Client> {
    const key = await readSinkSecret(SINK_NAME, this.apiKey);
    if (this.current?.key === key) return this.current.client;
    const previous = this.current?.client;
    const client = new Client({
      ...(this.config.cloudId ? { cloud: { id: this.config.cloudId } } : { node: this.config.url }),
      auth: { apiKey: key },
      maxRetries: 0,
      requestTimeout: this.config.requestTimeoutMs,
      ...this.clientOptions,
    });
    this.current = { key, client };
    // Requests already under way on the old client finish first (close is graceful).
    void previous?.close().catch(() => undefined);
    return client;
  }
}
