/**
 * What Elasticsearch's answers mean for our events, in one place. Per item of a `_bulk` answer:
 * 2xx stored; 409 (version_conflict_engine_exception on create) already stored by an earlier send;
 * 429 (es_rejected_execution_exception) and 5xx retry; 401/403/404 mean the key or the target is
 * wrong for every event alike, so they stop the delivery instead of dead-lettering the whole blob;
 * any other 4xx (mapper_parsing_exception, document_parsing_exception, ...) refuses that event for
 * good. For a request failed as a whole, see classifyElasticsearchError.
 */
import { errors } from '@elastic/elasticsearch';
import { parseRetryAfter } from '../../managementApi/retryPolicy';
import { SinkRequestError } from '../delivery/errors';
import type { ItemOutcome } from '../delivery/model';

export const SINK_NAME = 'elasticsearch';

export interface BulkItemAnswer {
  status: number;
  error?: ErrorCause | null;
}

interface ErrorCause {
  type?: string;
  reason?: string | null;
  caused_by?: ErrorCause;
}

export type BulkItemVerdict =
  | ItemOutcome
  | {
      status: 'stop';
      classification: 'auth' | 'configuration';
      reason: string;
      code?: string;
      statusCode: number;
    };

export function describeCause(error: ErrorCause | null | undefined): string {
  if (!error) return 'no reason given';
  const parts: string[] = [];
  for (let e: ErrorCause | undefined = error, depth = 0; e && depth < 4; e = e.caused_by, depth++) {
    parts.push(`${e.type ?? 'error'}: ${e.reason ?? ''}`.trim());
  }
  return parts.join(' <- ');
}

export function classifyBulkItem(item: BulkItemAnswer): BulkItemVerdict {
  const { status } = item;
  if (status >= 200 && status < 300) return { status: 'done' };
  const code = item.error?.type;
  const reason = `${status} ${describeCause(item.error)}`;
  if (status === 409) return { status: 'done', alreadyPresent: true };
  if (status === 429) return { status: 'retry', cause: 'throttled', reason, code, statusCode: status };
  if (status >= 500) return { status: 'retry', cause: 'transient', reason, code, statusCode: status };
  if (status === 401 || status === 403)
    return { status: 'stop', classification: 'auth', reason: keyAdvice(reason), code, statusCode: status };
  if (status === 404)
    return {
      status: 'stop',
      classification: 'configuration',
      reason: `the target does not exist: ${reason}`,
      code,
      statusCode: status,
    };
  return { status: 'rejected', reason, code, statusCode: status };
}

function keyAdvice(reason: string): string {
  return (
    `Elasticsearch refused the API key (${reason}); check the key in the Key Vault secret named by ` +
    `ELASTICSEARCH_API_KEY_SECRET_NAME and that it may create_doc and auto_configure on ELASTICSEARCH_INDEX`
  );
}

/** A `_bulk` request that failed as a whole, as the framework's typed error. */
export function classifyElasticsearchError(error: unknown): SinkRequestError {
  if (error instanceof errors.ResponseError) {
    const status = error.meta.statusCode ?? 0;
    const body = error.meta.body as { error?: ErrorCause | string } | string | undefined;
    const cause = typeof body === 'object' && body !== null ? body.error : undefined;
    const code = typeof cause === 'object' ? cause?.type : undefined;
    const reason =
      `${status} ${typeof cause === 'object' ? describeCause(cause) : String(cause ?? body ?? '')}`.trim();
    const headers = error.meta.headers ?? {};
    const retryAfterRaw = headers['retry-after'];
    const retryAfterMs = parseRetryAfter(
      Array.isArray(retryAfterRaw) ? retryAfterRaw[0] : retryAfterRaw,
      new Date(),
    );
    const details = { statusCode: status, code, retryAfterMs, cause: error };
    if (status === 401 || status === 403)
      return new SinkRequestError(SINK_NAME, 'auth', keyAdvice(reason), details);
    if (status === 413) {
      return new SinkRequestError(
        SINK_NAME,
        'tooLarge',
        `request over http.max_content_length (${reason})`,
        details,
      );
    }
    if (status === 429)
      return new SinkRequestError(SINK_NAME, 'throttled', `Elasticsearch is throttling (${reason})`, details);
    if (status >= 500)
      return new SinkRequestError(SINK_NAME, 'transient', `Elasticsearch failed (${reason})`, details);
    return new SinkRequestError(
      SINK_NAME,
      'configuration',
      `Elasticsearch refused the request (${reason})`,
      details,
    );
  }
  if (error instanceof errors.ProductNotSupportedError) {
    return new SinkRequestError(
      SINK_NAME,
      'configuration',
      'the server at ELASTICSEARCH_URL did not identify itself as Elasticsearch (no x-elastic-product header)',
      { cause: error },
    );
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new SinkRequestError(SINK_NAME, 'transient', `Elasticsearch unreachable (${message})`, {
    cause: error,
  });
}
