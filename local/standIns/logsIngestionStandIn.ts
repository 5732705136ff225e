/**
 * An in-process stand-in for the Azure Monitor Logs Ingestion API's upload endpoint, built from its
 * public documentation, so the real `LogsIngestionClient` runs against it unchanged (tests and
 * benchmarks point LOGS_INGESTION_ENDPOINT here):
 *  - `POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01`, answering 204;
 *  - a bearer token required (401 without one, or with one it does not know);
 *  - a JSON array body, gzip-encoded when `Content-Encoding: gzip` says so (the SDK always gzips);
 *  - 413 for a call over 1 MB, compressed or not;
 *  - 404 for a DCR or stream it does not have; 400 for a body that is not a JSON array of objects;
 *  - only the columns the stream declares are kept, and a field over 64 KB is cut to 64 KB, as
 *    Log Analytics does, counted so a test can show the sink never lets that happen.
 * Test controls: answer the next calls 429 with Retry-After (or any status), refuse a call whose rows
 * match a rule (400), and accept a call but answer 503 as if the answer were lost.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const STAND_IN_LOGS_TOKEN = 'logs-ingestion-stand-in-token';
export const API_VERSION = '2023-01-01';
/** "1 MB" read as 1 MiB; the sink stays under 1,000,000 bytes, so either reading holds. */
export const MAX_CALL_BYTES = 1024 * 1024;
export const MAX_FIELD_BYTES = 64 * 1024;

export interface LogsIngestionStandInOptions {
  dcrImmutableId: string;
  streamName: string;
  /** Column names the stream declares; rows keep only these. */
  columns: readonly string[];
  tokens?: readonly string[];
}

export interface RecordedUpload {
  status: number;
  /** Bytes on the wire (gzip) and after decompression. */
  wireBytes: number;
  jsonBytes: number;
  rows: number;
  gzip: boolean;
}

export interface LogsIngestionStandIn {
  /** The logs ingestion endpoint (LOGS_INGESTION_ENDPOINT). */
  url: string;
  readonly uploads: readonly RecordedUpload[];
  /** Rows stored, in arrival order. */
  readonly rows: readonly Record<string, unknown>[];
  /** Fields cut to 64 KB so far. */
  readonly truncatedFields: number;
  /** The next n calls answer `status` (429 by default) with Retry-After when given. */
  failNextCalls(n: number, status?: number, retryAfterSeconds?: number): void;
  /** Stores the next n calls but answers 503, as when an answer is lost after the service stored it. */
  loseNextAnswers(n: number): void;
  /** A call holding a row this rule refuses answers 400 with the rule's reason. */
  refuseRows(rule: (row: Record<string, unknown>) => string | undefined): void;
  stop(): Promise<void>;
}

const TLS_DIR = path.join(__dirname, '..', 'tls');

export async function startLogsIngestionStandIn(
  options: LogsIngestionStandInOptions,
): Promise<LogsIngestionStandIn> {
  const tokens = new Set(options.tokens ?? [STAND_IN_LOGS_TOKEN]);
  const declared = new Set(options.columns);
  const uploads: RecordedUpload[] = [];
  const rows: Record<string, unknown>[] = [];
  let truncatedFields = 0;
  let failNext = { n: 0, status: 429, retryAfterSeconds: undefined as number | undefined };
  let loseNext = 0;
  let refuse: (row: Record<string, unknown>) => string | undefined = () => undefined;

  const answer = (
    wire: Buffer,
    req: IncomingMessage,
  ): {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
    rows?: number;
    jsonBytes?: number;
  } => {
    const url = new URL(req.url ?? '/', 'https://stand-in.invalid');
    const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) return error(404, 'NotFound', `no route ${req.method} ${url.pathname}`);
    const auth = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!auth || !tokens.has(auth[1])) {
      return error(
        401,
        'InvalidAuthenticationToken',
        'a valid bearer token for https://monitor.azure.com is required',
      );
    }
    if (url.searchParams.get('api-version') !== API_VERSION) {
      return error(400, 'InvalidApiVersion', `api-version must be ${API_VERSION}`);
    }
    const [dcr, stream] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    if (dcr !== options.dcrImmutableId)
      return error(404, 'NotFound', `data collection rule ${dcr} not found`);
    if (stream !== options.streamName)
      return error(404, 'InvalidStream', `stream ${stream} is not declared in the rule`);
    if (wire.length > MAX_CALL_BYTES)
      return error(413, 'ContentLengthLimitExceeded', `call of ${wire.length} bytes is over 1 MB`);
    const gzip = /gzip/i.test(String(req.headers['content-encoding'] ?? ''));
    let json: Buffer;
    try {
      json = gzip ? gunzipSync(wire) : wire;
    } catch {
      return error(400, 'InvalidContentEncoding', 'body is not valid gzip');
    }
    if (json.length > MAX_CALL_BYTES)
      return error(
        413,
        'ContentLengthLimitExceeded',
        `call of ${json.length} bytes (uncompressed) is over 1 MB`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      return error(400, 'InvalidPayload', 'body is not JSON');
    }
    if (
      !Array.isArray(parsed) ||
      parsed.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))
    ) {
      return error(400, 'InvalidPayload', 'body must be a JSON array of objects');
    }
    const incoming = parsed as Record<string, unknown>[];
    if (failNext.n > 0) {
      failNext.n--;
      const headers =
        failNext.retryAfterSeconds === undefined
          ? undefined
          : { 'Retry-After': String(failNext.retryAfterSeconds) };
      return {
        ...error(
          failNext.status,
          failNext.status === 429 ? 'TooManyRequests' : 'ServiceUnavailable',
          'try again later',
        ),
        headers,
      };
    }
    for (const row of incoming) {
      const reason = refuse(row);
      if (reason !== undefined) return error(400, 'InvalidPayload', reason);
    }
    for (const row of incoming) rows.push(keepDeclared(row));
    if (loseNext > 0) {
      loseNext--;
      return {
        ...error(503, 'ServiceUnavailable', 'answer lost'),
        rows: incoming.length,
        jsonBytes: json.length,
      };
    }
    return { status: 204, rows: incoming.length, jsonBytes: json.length };
  };

  const keepDeclared = (row: Record<string, unknown>): Record<string, unknown> => {
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(row)) {
      if (!declared.has(name)) continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (Buffer.byteLength(text) > MAX_FIELD_BYTES) {
        truncatedFields++;
        kept[name] = Buffer.from(text).subarray(0, MAX_FIELD_BYTES).toString('utf8');
      } else {
        kept[name] = value;
      }
    }
    return kept;
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const wire = Buffer.concat(chunks);
      let a: ReturnType<typeof answer>;
      try {
        a = answer(wire, req);
      } catch (e) {
        a = error(500, 'InternalServerError', `stand-in error: ${(e as Error).message}`);
      }
      uploads.push({
        status: a.status,
        wireBytes: wire.length,
        jsonBytes: a.jsonBytes ?? 0,
        rows: a.rows ?? 0,
        gzip: /gzip/i.test(String(req.headers['content-encoding'] ?? '')),
      });
      const payload = a.body === undefined ? '' : JSON.stringify(a.body);
      res.writeHead(a.status, {
        ...a.headers,
        ...(payload ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
        'Content-Length': String(Buffer.byteLength(payload)),
      });
      res.end(payload);
    })().catch(() => res.destroy());
  };

  const server = https.createServer(
    {
      key: fs.readFileSync(path.join(TLS_DIR, 'server.key')),
      cert: fs.readFileSync(path.join(TLS_DIR, 'server.pem')),
    },
    onRequest,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    uploads,
    rows,
    get truncatedFields() {
      return truncatedFields;
    },
    failNextCalls(n, status = 429, retryAfterSeconds) {
      failNext = { n, status, retryAfterSeconds };
    },
    loseNextAnswers(n) {
      loseNext = n;
    },
    refuseRows(rule) {
      refuse = rule;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function error(status: number, code: string, message: string): { status: number; body: unknown } {
  return { status, body: { error: { code, message } } };
}
