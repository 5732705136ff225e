/**
 * One HTTPS listener of the simulated tenant on a free loopback port, with the test certificate in
 * local/tls. Each request goes through the same steps: record it, let the fault book take it, then
 * hand it to the listener's routes. Answers carry a Date header from the simulator's clock (clients
 * read it to correct for clock skew in content windows) unless `dateHeader: false` plays a server
 * without one, which Microsoft's documentation does not rule out.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FaultRule, ListenerName, RecordedRequest } from './model';
import type { FaultBook } from './faults';
import { renderFault, type FaultTarget } from './faults';
import type { LatencyPlan } from './latency';

export interface SimRequest {
  method: string;
  /** The decoded path, without the query. */
  path: string;
  /** The raw path as sent (still percent-encoded). */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object or array is sent as JSON; a string as is. */
  body?: unknown;
  /** Content-Type for string bodies (default text/plain). */
  contentType?: string;
}

export interface ListenerRoutes {
  name: ListenerName;
  /** What the request is, for fault matching and the request log. */
  classify(req: SimRequest): FaultTarget | undefined;
  handle(req: SimRequest, target: FaultTarget | undefined): Promise<SimResponse>;
}

export interface HttpsListener {
  baseUrl: string;
  close(): Promise<void>;
}

export interface ListenerDeps {
  clock: () => Date;
  faults: FaultBook;
  requests: RecordedRequest[];
  /** Sleeps that stop() can cut short. */
  sleep(ms: number): Promise<void>;
  /** Default true; false plays a server that sends no Date header. */
  dateHeader?: boolean;
  /** How long each answer waits (read per request, so it can change between runs). */
  latency?: LatencyPlan;
  /** Settles when the simulator stops: what a hanging request waits for. */
  stopped?: Promise<void>;
}

const TLS_DIR = path.join(__dirname, '..', 'tls');
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const RECORDED_HEADERS = [
  'content-type',
  'accept',
  'accept-language',
  'user-agent',
  'webhook-authid',
  'client-request-id',
  'x-client-sku',
];

let tlsMaterial: { key: Buffer; cert: Buffer } | undefined;
function loadTls(): { key: Buffer; cert: Buffer } {
  tlsMaterial ??= {
    key: fs.readFileSync(path.join(TLS_DIR, 'server.key')),
    cert: fs.readFileSync(path.join(TLS_DIR, 'server.pem')),
  };
  return tlsMaterial;
}

export async function startHttpsListener(routes: ListenerRoutes, deps: ListenerDeps): Promise<HttpsListener> {
  const server = https.createServer({ ...loadTls() }, (req, res) => {
    void serve(req, res, routes, deps);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  routes: ListenerRoutes,
  deps: ListenerDeps,
): Promise<void> {
  let record: RecordedRequest | undefined;
  try {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'https://simulator.invalid');
    const simReq: SimRequest = {
      method: req.method ?? 'GET',
      path: safeDecode(url.pathname),
      rawPath: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    const target = routes.classify(simReq);
    record = recordOf(routes.name, simReq, target, deps.clock());
    deps.requests.push(record);

    const delay = deps.latency?.delayFor(routes.name, target?.tenantId) ?? 0;
    if (delay === 'hang') {
      // Held open without an answer until the simulator stops; the client's own timeout ends it.
      await deps.stopped;
      req.socket.destroy();
      return;
    }
    if (delay > 0) await deps.sleep(delay);

    const fault: FaultRule | undefined = target ? deps.faults.take(target) : undefined;
    if (fault) {
      const rendered = renderFault(fault, target as FaultTarget, publisherOf(simReq.query));
      if (rendered.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (rendered.kind === 'delay') {
        await deps.sleep(rendered.delayMs);
      } else if (rendered.kind === 'stall') {
        const answer = await routes.handle(simReq, target);
        await sendThenStall(res, answer, deps, rendered, record);
        return;
      } else {
        send(res, rendered.response, deps, record);
        return;
      }
    }
    const answer = await routes.handle(simReq, target);
    send(res, answer, deps, record);
  } catch (error) {
    // A bug in the simulator must show up as a 500 the test can see, not as a hung request.
    send(
      res,
      { status: 500, body: `simulator error: ${(error as Error).message}`, contentType: 'text/plain' },
      deps,
      record,
    );
  }
}

function send(res: ServerResponse, answer: SimResponse, deps: ListenerDeps, record?: RecordedRequest): void {
  if (res.destroyed || res.writableEnded) return;
  const { headers, payload } = rendered(answer, deps);
  res.sendDate = false;
  res.writeHead(answer.status, headers);
  res.end(payload);
  if (record) record.statusCode = answer.status;
}

/**
 * Sends the status, the headers (with the full Content-Length) and the first part of the body, then
 * keeps the connection open without a byte more until `stallMs` passes or the simulator stops, and
 * cuts it: what a client sees when the server dies mid-body.
 */
async function sendThenStall(
  res: ServerResponse,
  answer: SimResponse,
  deps: ListenerDeps,
  stall: { afterBytes?: number; stallMs?: number },
  record?: RecordedRequest,
): Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  const { headers, payload } = rendered(answer, deps);
  const body = Buffer.from(payload, 'utf8');
  const cut = Math.max(0, Math.min(body.length - 1, stall.afterBytes ?? Math.floor(body.length / 2)));
  res.sendDate = false;
  res.writeHead(answer.status, headers);
  res.write(body.subarray(0, cut));
  if (record) record.statusCode = answer.status;
  await deps.sleep(stall.stallMs ?? 24 * 60 * 60 * 1000);
  res.destroy();
}

function rendered(
  answer: SimResponse,
  deps: ListenerDeps,
): { headers: Record<string, string>; payload: string } {
  const date: Record<string, string> = deps.dateHeader === false ? {} : { Date: deps.clock().toUTCString() };
  const headers: Record<string, string> = { ...date, ...answer.headers };
  let payload = '';
  if (answer.body !== undefined) {
    if (typeof answer.body === 'string') {
      payload = answer.body;
      headers['Content-Type'] ??= answer.contentType ?? 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(answer.body);
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    }
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  return { headers, payload };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** PublisherIdentifier is sent as `PublisherIdentifier` by the docs and `publisherIdentifier` by Elastic. */
export function publisherOf(query: URLSearchParams): string | undefined {
  for (const [name, value] of query) {
    if (name.toLowerCase() === 'publisheridentifier') return value;
  }
  return undefined;
}

function recordOf(
  listener: ListenerName,
  req: SimRequest,
  target: FaultTarget | undefined,
  now: Date,
): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const scheme = auth.split(' ')[0] ?? '';
    headers.authorization = scheme.toLowerCase() === 'bearer' ? '[bearer]' : `[${scheme.toLowerCase()}]`;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of req.query) query[name] = value;
  return {
    listener,
    method: req.method,
    path: req.path,
    query,
    headers,
    operation: target?.operation,
    publisherIdentifier: publisherOf(req.query),
    at: now.toISOString(),
  };
}
