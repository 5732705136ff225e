/**
 * The splunk sink's service: POSTs batches of HEC event objects to /services/collector/event with
 * Node's fetch (no official Node HEC client exists for batch delivery; splunk-logging is a logger
 * without per-event answers), reads the answer with hecAnswer.ts, and with SPLUNK_HEC_ACK waits for
 * indexer acknowledgement before counting a batch done. At least once: a batch whose answer or
 * acknowledgement is lost is sent again, so Splunk searches dedupe on event.id.
 *
 * The token is read through the secret provider per request (cached there); a refused token drops
 * the cached value at once, so a token renewed in Key Vault is used at the next try.
 */
import { randomUUID } from 'node:crypto';
import { parseRetryAfter } from '../../managementApi/retryPolicy';
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
import { AckPoller } from './ackPoller';
import { hecBaseUrl, type SplunkSinkConfig } from './config';
import { encodeHecEvent } from './encoder';
import { classifyHecAnswer, parseHecAnswer, SINK_NAME } from './hecAnswer';

/** With acknowledgement a batch waits seconds for its ack; more batches in flight keep HEC busy meanwhile. */
const IN_FLIGHT_WITH_ACK = 8;

export class SplunkHecService implements BatchSinkService {
  readonly name = SINK_NAME;
  readonly idempotentOnEventId = false;
  readonly limits: SinkLimits;
  private readonly base: string;
  private readonly channel = randomUUID();
  private readonly acks?: AckPoller;

  constructor(
    private readonly config: SplunkSinkConfig,
    private readonly token: SecretValue,
  ) {
    this.base = hecBaseUrl(config.url);
    this.limits = {
      maxBatchBytes: config.maxBatchBytes,
      maxBatchEvents: config.maxBatchEvents,
      ...(config.ack ? { maxInFlight: IN_FLIGHT_WITH_ACK } : {}),
    };
    if (config.ack)
      this.acks = new AckPoller((ids) => this.queryAcks(ids), config.ackPollMs, config.ackTimeoutMs);
  }

  encode(event: SinkEvent, blob: ContentBlobRef): EncodedEvent {
    return encodeHecEvent(event, blob, { sourcetype: this.config.sourcetype, index: this.config.index });
  }

  targetOf(): string {
    return `${this.base}/services/collector/event${this.config.index ? ` (index ${this.config.index})` : ''}`;
  }

  async send(batch: readonly EncodedEvent[]): Promise<ItemOutcome[]> {
    const { status, answer, retryAfterMs } = await this.post(
      '/services/collector/event',
      batch.map((e) => e.payload).join(''),
    );
    const verdict = classifyHecAnswer(status, answer, batch.length, retryAfterMs);
    if (!verdict.accepted) return verdict.outcomes;
    if (this.acks) {
      if (typeof verdict.ackId !== 'number') {
        throw new SinkRequestError(
          SINK_NAME,
          'configuration',
          'SPLUNK_HEC_ACK is true but HEC answered without an ackId: turn on indexer acknowledgement for the token',
        );
      }
      if (!(await this.acks.wait(verdict.ackId))) {
        const seconds = Math.round(this.config.ackTimeoutMs / 1000);
        return batch.map(() => ({
          status: 'retry',
          cause: 'transient',
          reason: `not acknowledged by the indexers within ${seconds} s`,
        }));
      }
    }
    return batch.map(() => ({ status: 'done' }));
  }

  async checkHealth(): Promise<SinkHealth> {
    try {
      const res = await fetch(`${this.base}/services/collector/health`, {
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
      const answer = parseHecAnswer(await res.text());
      return { ok: res.ok, detail: `HEC health: ${res.status} ${answer?.text ?? ''}`.trim() };
    } catch (error) {
      return { ok: false, detail: `HEC unreachable at ${this.base}: ${(error as Error).message}` };
    }
  }

  private async queryAcks(ids: number[]): Promise<Record<string, boolean>> {
    const { status, answer } = await this.post('/services/collector/ack', JSON.stringify({ acks: ids }));
    const acks = (answer as { acks?: unknown } | undefined)?.acks;
    if (status === 200 && acks !== null && typeof acks === 'object') return acks as Record<string, boolean>;
    classifyHecAnswer(status, answer, 0);
    throw new SinkRequestError(SINK_NAME, 'transient', `unexpected acknowledgement answer ${status}`);
  }

  private async post(path: string, body: string) {
    const token = await readSinkSecret(SINK_NAME, this.token);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}${this.acks ? `?channel=${this.channel}` : ''}`, {
        method: 'POST',
        headers: {
          Authorization: `Splunk ${token}`,
          'Content-Type': 'application/json',
          ...(this.acks ? { 'X-Splunk-Request-Channel': this.channel } : {}),
        },
        body,
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new SinkRequestError(
        SINK_NAME,
        'transient',
        `Splunk HEC unreachable: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
        {
          cause: error,
        },
      );
    }
    const text = await res.text().catch(() => '');
    if (res.status === 401 || res.status === 403) this.token.invalidate();
    return {
      status: res.status,
      answer: parseHecAnswer(text),
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), new Date()),
    };
  }
}
