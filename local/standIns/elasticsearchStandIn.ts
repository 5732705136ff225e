/**
 * An in-process stand-in for the parts of Elasticsearch 8.x the elasticsearch sink uses, built from
 * the public REST documentation, so the real `@elastic/elasticsearch` client runs against it
 * unchanged (tests and benchmarks point ELASTICSEARCH_URL here):
 *  - API key auth (`Authorization: ApiKey <base64 id:key>`), 401 security_exception otherwise;
 *  - `POST /_bulk` and `POST /<target>/_bulk` with an NDJSON body (the 8.x client's
 *    `application/vnd.elasticsearch+x-ndjson; compatible-with=8`, or plain `application/x-ndjson`);
 *    `create` with `_id` stores once and answers 409 version_conflict_engine_exception after;
 *    data streams (`logs-*-*`) take only `create` and need `@timestamp`; the answer is
 *    `{took, errors, items:[{create:{_index, _id, status, result|error, ...}}]}` in request order;
 *  - a body over `http.max_content_length` (100mb by default) answers 413;
 *  - `GET /_security/_authenticate` and `GET /` for health checks;
 *  - every answer carries `X-elastic-product: Elasticsearch`, which the client checks.
 * Test controls: throttle the next N items (429 es_rejected_execution_exception), fail the next N
 * requests as a whole, refuse chosen documents for good (400 mapper_parsing_exception).
 */
import { randomBytes } from 'node:crypto';
import {
  startStandInServer,
  type RecordedStandInRequest,
  type StandInAnswer,
  type StandInRequest,
} from './standInServer';

/** The encoded API key the stand-in accepts unless told otherwise (base64 of "standin:secret"). */
export const STAND_IN_ES_API_KEY = Buffer.from('standin-key-id:standin-key-secret').toString('base64');

export interface ElasticsearchStandInOptions {
  tls?: boolean;
  apiKeys?: string[];
  /** http.max_content_length in bytes (default 100mb). */
  maxContentLength?: number;
}

export interface ElasticsearchStandIn {
  url: string;
  readonly requests: readonly RecordedStandInRequest[];
  readonly maxBodyBytesSeen: number;
  /** Documents stored in a data stream or index, by _id. */
  documents(target: string): ReadonlyMap<string, Record<string, unknown>>;
  /** The next n bulk items answer 429. */
  throttleNextItems(n: number): void;
  /** The next n requests fail as a whole with this status (429 or 5xx). */
  failNextRequests(n: number, status: number, retryAfterSeconds?: number): void;
  /** A rule that refuses a document for good: answers the reason, or undefined to accept. */
  refuseDocuments(rule: (doc: Record<string, unknown>) => string | undefined): void;
  /** Bulk items answered so far, per status. */
  readonly itemStatuses: ReadonlyMap<number, number>;
  stop(): Promise<void>;
}

const VERSION = '8.19.0';
const DATA_STREAM = /^(logs|metrics|traces|synthetics)-[^-]+-[^-]+$/;

interface StoredTarget {
  backingIndex: string;
  dataStream: boolean;
  docs: Map<string, Record<string, unknown>>;
  seqNo: number;
}

export async function startElasticsearchStandIn(
  options: ElasticsearchStandInOptions = {},
): Promise<ElasticsearchStandIn> {
  const apiKeys = new Set(options.apiKeys ?? [STAND_IN_ES_API_KEY]);
  const maxContentLength = options.maxContentLength ?? 100 * 1024 * 1024;
  const targets = new Map<string, StoredTarget>();
  const itemStatuses = new Map<number, number>();
  let throttleItems = 0;
  let failRequests: { n: number; status: number; retryAfterSeconds?: number } = { n: 0, status: 503 };
  let refuse: (doc: Record<string, unknown>) => string | undefined = () => undefined;

  const targetFor = (name: string): StoredTarget => {
    let t = targets.get(name);
    if (!t) {
      const dataStream = DATA_STREAM.test(name);
      const day = new Date().toISOString().slice(0, 10).replace(/-/g, '.');
      t = {
        backingIndex: dataStream ? `.ds-${name}-${day}-000001` : name,
        dataStream,
        docs: new Map(),
        seqNo: 0,
      };
      targets.set(name, t);
    }
    return t;
  };

  const handle = (req: StandInRequest): StandInAnswer => {
    const compat = answerHeaders(req);
    const auth = /^ApiKey\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!auth || !apiKeys.has(auth[1])) {
      return {
        status: 401,
        headers: { ...compat, 'WWW-Authenticate': 'ApiKey, Basic realm="security", charset="UTF-8"' },
        body: errorBody(
          401,
          'security_exception',
          auth
            ? 'unable to authenticate with provided credentials and anonymous access is not allowed for this request'
            : 'missing authentication credentials for REST request [' + req.path + ']',
        ),
      };
    }
    if (failRequests.n > 0) {
      failRequests.n--;
      const headers: Record<string, string> = { ...compat };
      if (failRequests.retryAfterSeconds !== undefined)
        headers['Retry-After'] = String(failRequests.retryAfterSeconds);
      const type =
        failRequests.status === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception';
      return {
        status: failRequests.status,
        headers,
        body: errorBody(failRequests.status, type, 'stand-in was told to fail this request'),
      };
    }
    const bulk = /^\/(?:([^/]+)\/)?_bulk$/.exec(req.path);
    if (req.method === 'POST' && bulk) return { status: 200, headers: compat, ...bulkAnswer(req, bulk[1]) };
    if (req.method === 'GET' && req.path === '/_security/_authenticate') {
      return {
        status: 200,
        headers: compat,
        body: {
          username: 'standin-user',
          roles: [],
          authentication_type: 'api_key',
          api_key: { id: 'standin-key-id', name: 'standin' },
        },
      };
    }
    if (req.method === 'GET' && req.path === '/') {
      return {
        status: 200,
        headers: compat,
        body: {
          name: 'stand-in',
          cluster_name: 'stand-in',
          version: { number: VERSION },
          tagline: 'You Know, for Search',
        },
      };
    }
    return {
      status: 404,
      headers: compat,
      body: errorBody(404, 'resource_not_found_exception', `no handler for ${req.method} ${req.path}`),
    };
  };

  const bulkAnswer = (
    req: StandInRequest,
    pathTarget: string | undefined,
  ): { status?: number; body: unknown } => {
    const contentType = String(req.headers['content-type'] ?? '');
    const compatible = /compatible-with=(\d+)/.exec(contentType);
    if (compatible && !['7', '8'].includes(compatible[1])) {
      return {
        status: 400,
        body: errorBody(
          400,
          'media_type_header_exception',
          `Invalid media-type value on headers [Content-Type]: compatible-with=${compatible[1]} is not supported by ${VERSION}`,
        ),
      };
    }
    const started = Date.now();
    const lines = req.body.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      let action: Record<string, Record<string, unknown>>;
      try {
        action = JSON.parse(lines[i]) as Record<string, Record<string, unknown>>;
      } catch {
        return {
          status: 400,
          body: errorBody(
            400,
            'x_content_parse_exception',
            `[${i + 1}:1] Malformed action/metadata line [${i + 1}]`,
          ),
        };
      }
      const op = Object.keys(action)[0];
      if (!['create', 'index', 'update', 'delete'].includes(op) || Object.keys(action).length !== 1) {
        return {
          status: 400,
          body: errorBody(
            400,
            'illegal_argument_exception',
            `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${op}]`,
          ),
        };
      }
      const meta = action[op] ?? {};
      const source = op === 'delete' ? undefined : lines[++i];
      const name = (meta._index as string | undefined) ?? pathTarget;
      if (name === undefined)
        return {
          status: 400,
          body: errorBody(
            400,
            'action_request_validation_exception',
            'Validation Failed: 1: index is missing;',
          ),
        };
      const item = writeOne(op, name, meta._id as string | undefined, source);
      if ((item.status as number) >= 300) errors = true;
      itemStatuses.set(item.status as number, (itemStatuses.get(item.status as number) ?? 0) + 1);
      items.push({ [op]: item });
    }
    return { body: { errors, took: Date.now() - started, items } };
  };

  const writeOne = (
    op: string,
    name: string,
    id: string | undefined,
    source: string | undefined,
  ): Record<string, unknown> => {
    const target = targetFor(name);
    const head = { _index: target.backingIndex, _id: id ?? null };
    const fail = (status: number, type: string, reason: string) => ({
      ...head,
      status,
      error: { type, reason, index: target.backingIndex },
    });
    if (throttleItems > 0) {
      throttleItems--;
      return fail(
        429,
        'es_rejected_execution_exception',
        'rejected execution of coordinating operation [shard_detail=[stand-in][0][P], shard_coordinating_and_primary_bytes=0, shard_operation_bytes=0, shard_max_coordinating_and_primary_bytes=0]',
      );
    }
    if (target.dataStream && op !== 'create') {
      return fail(
        400,
        'illegal_argument_exception',
        `only write ops with an op_type of create are allowed in data streams`,
      );
    }
    if (op !== 'create' && op !== 'index')
      return fail(400, 'illegal_argument_exception', `the stand-in does not do [${op}]`);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(source ?? '') as Record<string, unknown>;
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
    } catch {
      return fail(400, 'document_parsing_exception', '[1:1] failed to parse');
    }
    if (target.dataStream && doc['@timestamp'] === undefined) {
      return fail(
        400,
        'document_parsing_exception',
        '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing',
      );
    }
    const refused = refuse(doc);
    if (refused !== undefined) return fail(400, 'mapper_parsing_exception', refused);
    const docId = id ?? randomBytes(15).toString('base64url');
    if (op === 'create' && target.docs.has(docId)) {
      return fail(
        409,
        'version_conflict_engine_exception',
        `[${docId}]: version conflict, document already exists (current version [1])`,
      );
    }
    target.docs.set(docId, doc);
    return {
      ...head,
      _id: docId,
      _version: 1,
      result: 'created',
      _shards: { total: 2, successful: 1, failed: 0 },
      _seq_no: target.seqNo++,
      _primary_term: 1,
      status: 201,
    };
  };

  const server = await startStandInServer({
    tls: options.tls ?? true,
    maxBodyBytes: () => maxContentLength,
    // Elasticsearch's HTTP layer refuses an over-long body before reading it, with an empty 413.
    tooLarge: () => ({ status: 413, headers: { 'X-elastic-product': 'Elasticsearch' } }),
    handle,
  });

  return {
    url: server.url,
    requests: server.requests,
    get maxBodyBytesSeen() {
      return server.maxBodyBytesSeen;
    },
    documents: (target) => targets.get(target)?.docs ?? new Map(),
    throttleNextItems: (n) => {
      throttleItems = n;
    },
    failNextRequests: (n, status, retryAfterSeconds) => {
      failRequests = { n, status, retryAfterSeconds };
    },
    refuseDocuments: (rule) => {
      refuse = rule;
    },
    itemStatuses,
    stop: () => server.close(),
  };
}

/** The 8.x client asks for the compatible media type; the answer names it back, as Elasticsearch does. */
function answerHeaders(req: StandInRequest): Record<string, string> {
  const accept = String(req.headers.accept ?? '');
  return {
    'X-elastic-product': 'Elasticsearch',
    'Content-Type': /compatible-with=(\d+)/.test(accept)
      ? `application/vnd.elasticsearch+json;compatible-with=${/compatible-with=(\d+)/.exec(accept)?.[1]}`
      : 'application/json',
  };
}

function errorBody(status: number, type: string, reason: string): unknown {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}
