import { request as httpRequest } from 'node:http';
import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { FunctionDefinition } from '../../functions/definition';
import { startLocalHost, type LocalHost } from '../../local/host';
import { memoryLogger } from '../../shared/log';
import { unusedStorage } from './harness';

describe('local host HTTP', () => {
  let host: LocalHost;
  const logger = memoryLogger();
  const seen: { request: HttpRequest; context: InvocationContext; body: Uint8Array }[] = [];

  const definitions: FunctionDefinition[] = [
    {
      kind: 'http',
      name: 'echo',
      route: 'echo/{id}',
      methods: ['POST', 'PUT'],
      authLevel: 'anonymous',
      handler: async (request, context) => {
        const body = new Uint8Array(await request.arrayBuffer());
        seen.push({ request, context, body });
        context.log('echo handled', body.length);
        return { status: 201, headers: { 'x-echo-id': request.params.id }, body };
      },
    },
    {
      kind: 'http',
      name: 'secured',
      route: 'secured',
      methods: ['GET'],
      authLevel: 'function',
      handler: async () => ({ jsonBody: { ok: true } }),
    },
    {
      kind: 'http',
      name: 'broken',
      route: 'broken',
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: async () => {
        throw new Error('handler exploded');
      },
    },
    {
      kind: 'http',
      name: 'plain',
      route: 'plain',
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: async () => ({ body: 'hello' }),
    },
  ];

  beforeAll(async () => {
    host = await startLocalHost(definitions, {
      storageConnectionString: unusedStorage,
      functionKey: 'test-key',
      logger,
      timers: 'manual',
      maxBodyBytes: 1024,
    });
  });
  afterAll(() => host.stop());

  it('routes a request to its function with route params and answers what the handler returns', async () => {
    const response = await fetch(`${host.url}/api/echo/42`, { method: 'POST', body: 'hi' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo-id')).toBe('42');
    expect(await response.text()).toBe('hi');
  });

  it('hands the handler the exact body bytes, even invalid UTF-8', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x22, 0xc3, 0x28, 0x7d]);
    const response = await fetch(`${host.url}/api/echo/bytes`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: bytes,
    });
    expect(response.status).toBe(201);
    const last = seen[seen.length - 1];
    expect(Buffer.from(last.body).equals(bytes)).toBe(true);
    expect(last.request.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(last.request.method).toBe('PUT');
    expect(last.context.functionName).toBe('echo');
    expect(last.context.options.trigger.type).toBe('httpTrigger');
    expect(last.context.invocationId).not.toBe('unknown');
  });

  it('passes the query string through to the request', async () => {
    await fetch(`${host.url}/api/echo/q?validationcode=abc&x=1`, { method: 'POST', body: '' });
    const last = seen[seen.length - 1];
    expect(last.request.query.get('validationcode')).toBe('abc');
    expect(last.body.length).toBe(0);
  });

  it('routes the handler context.log calls to the logger with the function name', async () => {
    await fetch(`${host.url}/api/echo/log`, { method: 'POST', body: 'abc' });
    const line = logger.lines.find((l) => l.line.startsWith('echo handled 3'));
    expect(line?.level).toBe('info');
    expect(line?.line).toContain('"functionName":"echo"');
  });

  it('answers 404 for an unknown route', async () => {
    expect((await fetch(`${host.url}/api/nope`)).status).toBe(404);
    expect((await fetch(`${host.url}/echo/1`, { method: 'POST' })).status).toBe(404);
  });

  it('answers 405 with Allow for a method the function does not accept', async () => {
    const response = await fetch(`${host.url}/api/echo/1`, { method: 'GET' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, PUT');
  });

  it('answers 401 to a function-level route without a valid key', async () => {
    expect((await fetch(`${host.url}/api/secured`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/secured`, { headers: { 'x-functions-key': 'wrong' } })).status).toBe(
      401,
    );
    expect((await fetch(`${host.url}/api/secured?code=wrong-key`)).status).toBe(401);
  });

  it('accepts the function key as x-functions-key header or code query', async () => {
    const byHeader = await fetch(`${host.url}/api/secured`, { headers: { 'x-functions-key': 'test-key' } });
    expect(byHeader.status).toBe(200);
    expect(byHeader.headers.get('content-type')).toBe('application/json');
    expect(await byHeader.json()).toEqual({ ok: true });
    expect((await fetch(`${host.url}/api/secured?code=test-key`)).status).toBe(200);
  });

  it('answers 500 when the handler throws, logs it, and keeps serving', async () => {
    const response = await fetch(`${host.url}/api/broken`);
    expect(response.status).toBe(500);
    expect(logger.lines.some((l) => l.level === 'error' && l.line.includes('handler exploded'))).toBe(true);
    expect((await fetch(`${host.url}/api/plain`)).status).toBe(200);
    expect(host.stats().invocations.broken).toEqual({ succeeded: 0, failed: 1 });
  });

  it('defaults to status 200 with a text body', async () => {
    const response = await fetch(`${host.url}/api/plain`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('answers 413 to a body larger than maxBodyBytes without calling the handler', async () => {
    const before = seen.length;
    const response = await fetch(`${host.url}/api/echo/big`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(response.status).toBe(413);
    expect(seen.length).toBe(before);
  });

  it('answers 413 to a chunked body that grows past maxBodyBytes', async () => {
    const before = seen.length;
    const url = new URL(`${host.url}/api/echo/chunked`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('y'.repeat(800));
      req.end('y'.repeat(800));
    });
    expect(status).toBe(413);
    expect(seen.length).toBe(before);
  });
});
