/**
 * The HTTP(S) listener under the sink stand-ins: a free loopback port, the test certificate of
 * local/tls for https, the body read with a size limit (the stand-in answers 413 over it, as the
 * real services do), and every request recorded with its body size, so tests can assert that no
 * request went over a sink's limit.
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface StandInAnswer {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
}

export interface RecordedStandInRequest {
  method: string;
  path: string;
  bytes: number;
  status: number;
}

export interface StandInServer {
  url: string;
  readonly requests: RecordedStandInRequest[];
  /** The largest request body received so far. */
  readonly maxBodyBytesSeen: number;
  close(): Promise<void>;
}

const TLS_DIR = path.join(__dirname, '..', 'tls');

export async function startStandInServer(options: {
  tls: boolean;
  maxBodyBytes: () => number;
  /** What to answer a request whose body is over maxBodyBytes. */
  tooLarge: (bytes: number) => StandInAnswer;
  handle: (req: StandInRequest) => StandInAnswer | Promise<StandInAnswer>;
}): Promise<StandInServer> {
  const requests: RecordedStandInRequest[] = [];
  let maxBodyBytesSeen = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of req) {
        bytes += (chunk as Buffer).length;
        // Counted but not kept past the limit: the size is what the test looks at.
        if (bytes <= options.maxBodyBytes()) chunks.push(chunk as Buffer);
      }
      maxBodyBytesSeen = Math.max(maxBodyBytesSeen, bytes);
      const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
      let answer: StandInAnswer;
      try {
        answer =
          bytes > options.maxBodyBytes()
            ? options.tooLarge(bytes)
            : await options.handle({
                method: req.method ?? 'GET',
                path: decodeURIComponent(url.pathname),
                query: url.searchParams,
                headers: req.headers,
                body: Buffer.concat(chunks),
              });
      } catch (error) {
        answer = { status: 500, body: `stand-in error: ${(error as Error).message}` };
      }
      requests.push({ method: req.method ?? 'GET', path: url.pathname, bytes, status: answer.status });
      send(res, answer);
    })().catch(() => res.destroy());
  };
  const server = options.tls
    ? https.createServer(
        {
          key: fs.readFileSync(path.join(TLS_DIR, 'server.key')),
          cert: fs.readFileSync(path.join(TLS_DIR, 'server.pem')),
        },
        onRequest,
      )
    : http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    get maxBodyBytesSeen() {
      return maxBodyBytesSeen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, answer: StandInAnswer): void {
  const headers: Record<string, string> = { ...answer.headers };
  let payload = '';
  if (answer.body !== undefined) {
    if (typeof answer.body === 'string') {
      payload = answer.body;
      headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(answer.body);
      headers['Content-Type'] ??= 'application/json; charset=UTF-8';
    }
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
}
