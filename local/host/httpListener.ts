/**
 * The local stand-in for the Functions host's HTTP front end: a Node http server that hands
 * handlers a real @azure/functions HttpRequest (raw body bytes untouched, so handlers enforce their
 * own size limits and parse JSON themselves) and writes back what they return.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';
import type { HttpFunctionDefinition } from '../../functions/definition';
import type { Logger } from '../../shared/log';
import { createInvocationContext, errorMessage, type InvocationTracker } from './invocation';
import { hasValidFunctionKey, routeRequest } from './httpRoutes';

export interface HttpListenerOptions {
  port: number;
  functionKey: string;
  maxBodyBytes: number;
  logger: Logger;
  tracker: InvocationTracker;
}

export interface HttpListener {
  url: string;
  /** Stops accepting requests; requests already being handled finish. */
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function requestUrl(req: IncomingMessage, fallbackHost: string): URL {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? fallbackHost}`);
  } catch {
    return new URL(req.url ?? '/', `http://${fallbackHost}`);
  }
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  body?: Uint8Array,
): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-length': String(body?.length ?? 0) });
  res.end(body);
}

async function writeResponse(
  res: ServerResponse,
  result: HttpResponseInit | HttpResponse | undefined,
): Promise<void> {
  // HttpResponse applies the same defaults as the Functions worker: status 200, jsonBody serialised
  // with content-type application/json, strings as text/plain.
  const response = result instanceof HttpResponse ? result : new HttpResponse(result ?? {});
  const body = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'content-length') headers[name] = value;
  });
  send(res, response.status, headers, body);
}

export function startHttpListener(
  definitions: HttpFunctionDefinition[],
  options: HttpListenerOptions,
): Promise<HttpListener> {
  const { logger, tracker } = options;
  let hostPort = '127.0.0.1';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req, hostPort);
    const method = (req.method ?? 'GET').toUpperCase();
    const decision = routeRequest(definitions, method, url.pathname);
    if (decision.kind === 'notFound') return send(res, 404);
    if (decision.kind === 'methodNotAllowed') return send(res, 405, { allow: decision.allow.join(', ') });
    const { definition, params } = decision;
    if (
      definition.authLevel === 'function' &&
      !hasValidFunctionKey(
        options.functionKey,
        req.headers['x-functions-key'] as string | undefined,
        url.searchParams.get('code'),
      )
    ) {
      logger.warn('local host: request without a valid function key', { functionName: definition.name });
      return send(res, 401);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      res.setHeader('connection', 'close');
      return send(res, 413);
    }
    let bytes: Buffer;
    try {
      bytes = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return send(res, 413);
      }
      throw error;
    }

    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      params,
      body: bytes.length > 0 ? { bytes } : undefined,
    });
    const context = createInvocationContext(definition.name, 'httpTrigger', logger);
    try {
      const result = await tracker.track(definition.name, () => definition.handler(request, context));
      await writeResponse(res, result);
    } catch (error) {
      logger.error('local host: http function failed', {
        functionName: definition.name,
        invocationId: context.invocationId,
        error: errorMessage(error),
      });
      send(res, 500);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error('local host: request could not be handled', { error: errorMessage(error) });
      send(res, 500);
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      hostPort = `127.0.0.1:${port}`;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            // Keep-alive connections that finish a request after close() would hold the server
            // open, so idle ones are closed until the server reports it is shut.
            const sweeper = setInterval(() => server.closeIdleConnections(), 50);
            server.close(() => {
              clearInterval(sweeper);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
