/**
 * Microsoft's side of a webhook POST: one request, no connection reuse, a time limit, and the answer
 * reduced to its status code (the body is read and thrown away; only "200" counts as success).
 */
import http from 'node:http';
import https from 'node:https';

export type PostOutcome = { statusCode: number } | { error: string };

export function postToWebhook(
  address: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      resolve({ error: `invalid address ${address}` });
      return;
    }
    const transport = url.protocol === 'https:' ? https : http;
    const payload = Buffer.from(body, 'utf8');
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = transport.request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Length': String(payload.length) },
        signal,
      },
      (res) => {
        res.resume();
        res.on('end', () => finish({ statusCode: res.statusCode ?? 0 }));
        res.on('error', (error) => finish({ error: error.message }));
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    req.on('error', (error) => finish({ error: error.message }));
    req.end(payload);
  });
}
