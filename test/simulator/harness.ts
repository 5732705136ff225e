/** Shared set-up for the simulator's tests: a tenant, tokens over plain fetch, a tiny webhook receiver. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../local/simulator';

export const TENANT = '11111111-2222-4333-8444-555555555555';
export const CLIENT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
export const SECRET = 'first-secret-value';
export const OTHER_TENANT = '99999999-8888-4777-8666-555555555555';
export const OTHER_CLIENT = 'fedcba98-7654-4321-8fed-cba987654321';

export function startTestSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  return startSimulator({
    tenants: [
      { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET },
      { tenantId: OTHER_TENANT, clientId: OTHER_CLIENT, clientSecret: 'other-secret' },
    ],
    startSpacingMs: 0,
    allowInsecureWebhook: true,
    push: { retryDelaysMs: [5, 5, 5], disableAfterFailures: 5 },
    ...overrides,
  });
}

/** A client-credentials token request (v2), answered as it is. */
export function requestToken(
  sim: Simulator,
  resource: 'api' | 'graph' = 'api',
  tenant = TENANT,
  client = CLIENT,
  secret = SECRET,
): Promise<Response> {
  const base = resource === 'api' ? sim.apiBaseUrl : sim.graphBaseUrl;
  return fetch(`${sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client,
      client_secret: secret,
      scope: `${base}/.default`,
    }).toString(),
  });
}

export async function tokenFor(
  sim: Simulator,
  resource: 'api' | 'graph' = 'api',
  tenant = TENANT,
  client = CLIENT,
  secret = SECRET,
): Promise<string> {
  const res = await requestToken(sim, resource, tenant, client, secret);
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function feedUrl(
  sim: Simulator,
  operation: string,
  query: Record<string, string> = {},
  tenant = TENANT,
): string {
  const url = new URL(`${sim.apiBaseUrl}/api/v1.0/${tenant}/activity/feed/${operation}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

export async function call(
  url: string,
  token: string | undefined,
  init: RequestInit = {},
): Promise<ApiAnswer> {
  const headers = new Headers(init.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export function errorCodeOf(answer: ApiAnswer): string | undefined {
  return (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
}

export async function startWebhook(
  sim: Simulator,
  token: string,
  contentType: string,
  address: string,
  authId?: string,
): Promise<ApiAnswer> {
  return call(feedUrl(sim, 'subscriptions/start', { contentType, PublisherIdentifier: TENANT }), token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; utf-8' },
    body: JSON.stringify({ webhook: { address, authId, expiration: '' } }),
  });
}

export interface ReceivedPost {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain-http webhook receiver; `answers` are the statuses to give, in order, then `fallback`. */
export interface WebhookReceiver {
  url: string;
  posts: ReceivedPost[];
  answers: number[];
  fallback: number;
  close(): Promise<void>;
}

export async function startReceiver(fallback = 200): Promise<WebhookReceiver> {
  const receiver: Partial<WebhookReceiver> & { posts: ReceivedPost[]; answers: number[]; fallback: number } =
    {
      posts: [],
      answers: [],
      fallback,
    };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = receiver.answers.shift() ?? receiver.fallback;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver as WebhookReceiver;
}

/** Notification POSTs only (validation requests carry Webhook-ValidationCode). */
export function notificationPosts(receiver: WebhookReceiver): ReceivedPost[] {
  return receiver.posts.filter((p) => p.headers['webhook-validationcode'] === undefined);
}
