/**
 * The client against the simulated tenant: real https, real token endpoint, real paging and faults.
 * Waits between retries are recorded by an injected sleep instead of being slept.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { memoryLogger } from '../../shared/log';
import {
  ContentUriRejectedError,
  createClientSecretCredential,
  ManagementActivityClient,
  ManagementActivityClientOptions,
  ManagementApiError,
  TokenAcquisitionError,
} from '../../shared/managementApi';
import { startSimulator } from '../../local/simulator';
import type { Simulator } from '../../local/simulator/model';

const tenantId = '3f6e2a10-5b7c-4d8e-9f01-23456789abcd';
const clientId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const expiredTenantId = '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f';
const publisherId = 'c0ffee00-1234-4abc-9def-0123456789ab';
const secret = 'sim-secret-value-1';

let sim: Simulator;
let webhookServer: http.Server;
let webhookAddress: string;

beforeAll(async () => {
  webhookServer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
  webhookAddress = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/hook`;
  sim = await startSimulator({
    tenants: [
      { tenantId, clientId, clientSecret: secret },
      {
        tenantId: expiredTenantId,
        clientId,
        clientSecret: secret,
        secretExpiresAt: new Date(Date.now() - 86_400_000),
      },
    ],
    startSpacingMs: 0,
    allowInsecureWebhook: true,
    pageSize: 3,
    push: { autoPush: false },
  });
});

afterAll(async () => {
  await sim?.stop();
  await new Promise((resolve) => webhookServer?.close(resolve));
});

beforeEach(() => sim.faults.clear());

function tenantFor(s: Simulator, id = tenantId) {
  return {
    tenantId: id,
    clientId,
    publisherId,
    endpoints: {
      apiBaseUrl: s.apiBaseUrl,
      authorityHost: s.authorityHost,
      tokenScope: `${s.apiBaseUrl}/.default`,
      graphBaseUrl: s.graphBaseUrl,
    },
  };
}

/** The real credential, wrapped to count token requests and remember the tokens it handed out. */
function spiedCredential(s: Simulator, id = tenantId, secretValue = secret) {
  const inner = createClientSecretCredential(tenantFor(s, id), secretValue);
  const tokens: string[] = [];
  let calls = 0;
  const credential: TokenCredential = {
    async getToken(scopes, options) {
      calls++;
      const token: AccessToken | null = await inner.getToken(scopes, options);
      if (token) tokens.push(token.token);
      return token;
    },
  };
  return { credential, tokens, calls: () => calls };
}

function clientFor(
  options: ManagementActivityClientOptions & { simulator?: Simulator; tenant?: string; secret?: string } = {},
) {
  const s = options.simulator ?? sim;
  const spy = spiedCredential(s, options.tenant ?? tenantId, options.secret ?? secret);
  const waits: number[] = [];
  const logger = memoryLogger();
  const client = new ManagementActivityClient(tenantFor(s, options.tenant ?? tenantId), spy.credential, {
    sleep: async (ms) => {
      waits.push(ms);
    },
    retryDelay: { baseMs: 100, maxMs: 1000 },
    logger,
    ...options,
  });
  return { client, waits, logger, spy };
}

function apiRequests(s: Simulator = sim) {
  return s.requests.filter((r) => r.listener === 'api');
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function failureOf(promise: Promise<unknown>): Promise<ManagementApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ManagementApiError))
    throw new Error(`expected a ManagementApiError, got ${String(error)}`);
  return error;
}

const hour = 3_600_000;
function recentWindow() {
  const now = Date.now();
  return { startTime: new Date(now - 2 * hour), endTime: new Date(now + hour) };
}

describe('ManagementActivityClient against the simulated tenant', () => {
  beforeAll(async () => {
    const { client } = clientFor();
    for (const ct of ['Audit.General', 'Audit.SharePoint', 'Audit.Exchange'] as const)
      await client.startSubscription(ct);
  });

  describe('subscriptions', () => {
    it('starts a subscription with a webhook and returns it as the API describes it', async () => {
      const { client } = clientFor();
      const sub = await client.startSubscription('Audit.AzureActiveDirectory', {
        webhook: { address: webhookAddress, authId: 'shared-auth-id' },
      });
      expect(sub).toMatchObject({
        contentType: 'Audit.AzureActiveDirectory',
        status: 'enabled',
        webhook: { status: 'enabled', address: webhookAddress, authId: 'shared-auth-id', expiration: null },
      });
      const listed = await client.listSubscriptions();
      expect(listed.find((s) => s.contentType === 'Audit.AzureActiveDirectory')?.webhook?.address).toBe(
        webhookAddress,
      );
    });

    it('treats "already enabled, no property change" (AF20024) as success and returns the listed subscription', async () => {
      const { client } = clientFor();
      const before = apiRequests().length;
      const sub = await client.startSubscription('Audit.General');
      expect(sub).toMatchObject({ contentType: 'Audit.General', status: 'enabled' });
      const made = apiRequests().slice(before);
      expect(made.map((r) => [r.operation, r.statusCode])).toEqual([
        ['start', 400],
        ['list', 200],
      ]);
    });

    it('stops a subscription, after which its content can no longer be listed', async () => {
      const { client } = clientFor();
      await client.startSubscription('DLP.All');
      await client.stopSubscription('DLP.All');
      expect(sim.subscriptions(tenantId).find((s) => s.contentType === 'DLP.All')?.status).not.toBe(
        'enabled',
      );
      const error = await failureOf(collect(client.listContent('DLP.All', recentWindow())));
      expect(error.statusCode).toBe(400);
      expect(['resubscribe', 'disabledByAdmin']).toContain(error.classification);
    });

    it('classifies listing a content type that was never subscribed (AF20022) as resubscribe', async () => {
      const other = await startSimulator({
        tenants: [{ tenantId, clientId, clientSecret: secret }],
        startSpacingMs: 0,
      });
      try {
        const { client } = clientFor({ simulator: other });
        const error = await failureOf(collect(client.listContent('Audit.Exchange', recentWindow())));
        expect(error).toMatchObject({
          code: 'AF20022',
          classification: 'resubscribe',
          operation: 'listContent',
        });
      } finally {
        await other.stop();
      }
    });

    it('tells a subscription disabled by an admin (AF20023) apart from a missing one', async () => {
      const other = await startSimulator({
        tenants: [{ tenantId, clientId, clientSecret: secret }],
        startSpacingMs: 0,
      });
      try {
        const { client } = clientFor({ simulator: other });
        await client.startSubscription('Audit.Exchange');
        other.disableSubscriptionByAdmin(tenantId, 'Audit.Exchange');
        const error = await failureOf(collect(client.listContent('Audit.Exchange', recentWindow())));
        expect(error).toMatchObject({ code: 'AF20023', classification: 'disabledByAdmin' });
      } finally {
        await other.stop();
      }
    });
  });

  describe('listing content', () => {
    it('follows NextPageUri across several pages and yields every blob once', async () => {
      const published = sim.generateAndPublish(tenantId, 'Audit.SharePoint', {
        blobs: 8,
        recordsPerBlob: 1,
        seed: 1,
      });
      const { client } = clientFor();
      const before = apiRequests().length;
      const listed = await collect(client.listContent('Audit.SharePoint', recentWindow()));
      expect(listed.map((c) => c.contentId).sort()).toEqual(published.map((p) => p.contentId).sort());
      expect(listed[0]).toEqual(
        expect.objectContaining({
          contentType: 'Audit.SharePoint',
          contentUri: expect.stringContaining('/activity/feed/audit/'),
        }),
      );
      const pages = apiRequests()
        .slice(before)
        .filter((r) => r.operation === 'content');
      expect(pages.length).toBe(3);
    });

    it('follows NextPageUrl, the header name the troubleshooting page uses, page by page', async () => {
      const other = await startSimulator({
        tenants: [{ tenantId, clientId, clientSecret: secret }],
        startSpacingMs: 0,
        pageSize: 2,
        pagingHeader: 'NextPageUrl',
      });
      try {
        const { client } = clientFor({ simulator: other });
        await client.startSubscription('Audit.Exchange');
        const published = other.generateAndPublish(tenantId, 'Audit.Exchange', {
          blobs: 5,
          recordsPerBlob: 1,
          seed: 2,
        });
        const pages = await collect(client.listContent('Audit.Exchange', recentWindow()).byPage());
        expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
        expect(
          pages
            .flat()
            .map((c) => c.contentId)
            .sort(),
        ).toEqual(published.map((p) => p.contentId).sort());
      } finally {
        await other.stop();
      }
    });

    it('lists the notifications sent for a webhook subscription', async () => {
      const other = await startSimulator({
        tenants: [{ tenantId, clientId, clientSecret: secret }],
        startSpacingMs: 0,
        allowInsecureWebhook: true,
        push: { autoPush: true },
      });
      try {
        const { client } = clientFor({ simulator: other });
        await client.startSubscription('Audit.General', { webhook: { address: webhookAddress } });
        const published = other.generateAndPublish(tenantId, 'Audit.General', {
          blobs: 2,
          recordsPerBlob: 1,
          seed: 3,
        });
        await other.whenIdle();
        const notes = await collect(client.listNotifications('Audit.General', recentWindow()));
        expect(notes.map((n) => n.contentId).sort()).toEqual(published.map((p) => p.contentId).sort());
        for (const n of notes) {
          expect(typeof n.notificationSent).toBe('string');
          expect(n.notificationStatus.length).toBeGreaterThan(0);
        }
      } finally {
        await other.stop();
      }
    });

    it('refuses a window longer than 24 hours before sending anything', async () => {
      const { client, spy } = clientFor();
      const before = apiRequests().length;
      const now = Date.now();
      const error = await failureOf(
        collect(
          client.listContent('Audit.General', {
            startTime: new Date(now - 30 * hour),
            endTime: new Date(now),
          }),
        ),
      );
      expect(error.classification).toBe('badWindow');
      expect(apiRequests().length).toBe(before);
      expect(spy.calls()).toBe(0);
    });

    it('surfaces a window the server refuses (AF20030) when the clocks agree, recording the measured skew', async () => {
      const { client } = clientFor();
      const now = Date.now();
      const error = await failureOf(
        collect(
          client.listContent('Audit.General', {
            startTime: new Date(now - 8 * 24 * hour),
            endTime: new Date(now - 7.9 * 24 * hour),
          }),
        ),
      );
      expect(error).toMatchObject({ code: 'AF20030', classification: 'badWindow' });
      expect(error.serverDate).toBeInstanceOf(Date);
      expect(Math.abs(error.clockSkewMs!)).toBeLessThan(60_000);
    });

    it('retries a refused window once in server time when the local clock is days behind', async () => {
      const skew = 2 * 24 * hour;
      const { client, logger } = clientFor({ clock: () => new Date(Date.now() - skew) });
      const localNow = Date.now() - skew;
      const window = {
        startTime: new Date(localNow - 7 * 24 * hour + hour),
        endTime: new Date(localNow - 7 * 24 * hour + 5 * hour),
      };
      const before = apiRequests().length;
      const listed = await collect(client.listContent('Audit.General', window));
      expect(Array.isArray(listed)).toBe(true);
      const tries = apiRequests()
        .slice(before)
        .filter((r) => r.operation === 'content');
      expect(tries.map((r) => r.statusCode)).toEqual([400, 200]);
      const shiftedStart = Date.parse(`${tries[1]!.query.startTime}Z`);
      expect(Math.abs(shiftedStart - (window.startTime.getTime() + skew))).toBeLessThan(120_000);
      expect(logger.lines.some((l) => l.line.includes('clockSkewMs'))).toBe(true);
    });
  });

  describe('fetching content', () => {
    it('fetches and streams the same records, sending PublisherIdentifier on every request including the content GET', async () => {
      const [blob] = sim.generateAndPublish(tenantId, 'Audit.General', {
        blobs: 1,
        recordsPerBlob: 1500,
        seed: 4,
      });
      const { client } = clientFor();
      const before = apiRequests().length;
      const records = await client.fetchContent(blob!.contentUri);
      expect(records).toHaveLength(1500);
      const streamed = await collect(client.streamContent(blob!.contentUri));
      expect(streamed).toEqual(records);
      await client.listSubscriptions();
      const made = apiRequests().slice(before);
      expect(made.map((r) => r.operation)).toEqual(['fetch', 'fetch', 'list']);
      for (const r of made) expect(r.publisherIdentifier).toBe(publisherId);
      expect(made[0]!.path).toContain(blob!.contentId);
    });

    it('types expired content (AF20051) and unknown content (AF20050)', async () => {
      const [blob] = sim.generateAndPublish(tenantId, 'Audit.General', {
        blobs: 1,
        recordsPerBlob: 1,
        seed: 5,
      });
      sim.expireContent(blob!.contentId);
      const { client } = clientFor();
      const expired = await failureOf(client.fetchContent(blob!.contentUri));
      expect(expired).toMatchObject({
        code: 'AF20051',
        classification: 'expired',
        operation: 'fetchContent',
        attempts: 1,
      });
      const unknown = blob!.contentUri.replace(
        /[^/]+$/,
        '999999999999$999999999999$00000000000000000000000000000000aad2026010100$00000000000000000000000000000000$01',
      );
      const missing = await failureOf(client.fetchContent(unknown));
      expect(missing.classification).toBe('notFound');
      expect(['AF20050', 'AF20052']).toContain(missing.code);
    });

    it('refuses a contentUri outside the tenant before any token is requested or sent', async () => {
      const { client, spy } = clientFor();
      const before = sim.requests.length;
      const evil = [
        `https://evil.example.com/api/v1.0/${tenantId}/activity/feed/audit/x$1`,
        `${sim.apiBaseUrl}/api/v1.0/11111111-2222-3333-4444-555555555555/activity/feed/audit/x$1`,
        `${sim.apiBaseUrl.replace('https:', 'http:')}/api/v1.0/${tenantId}/activity/feed/audit/x$1`,
        `${sim.apiBaseUrl}/api/v1.0/${tenantId}/activity/feed/audit/..%2f..%2fsubscriptions%2flist`,
      ];
      for (const uri of evil) {
        await expect(client.fetchContent(uri)).rejects.toBeInstanceOf(ContentUriRejectedError);
        await expect(collect(client.streamContent(uri))).rejects.toBeInstanceOf(ContentUriRejectedError);
      }
      expect(spy.calls()).toBe(0);
      expect(sim.requests.length).toBe(before);
    });
  });

  describe('retries', () => {
    it('honours Retry-After on throttling sent as HTTP 403 with AF429', async () => {
      sim.faults.add({ operation: 'list', kind: 'throttle-403', retryAfterSeconds: 7 });
      const { client, waits } = clientFor();
      const subs = await client.listSubscriptions();
      expect(subs.length).toBeGreaterThan(0);
      expect(waits).toEqual([7000]);
    });

    it('caps a long Retry-After', async () => {
      sim.faults.add({ operation: 'list', kind: 'throttle-429', retryAfterSeconds: 3600 });
      const { client, waits } = clientFor({ maxRetryAfterMs: 5000 });
      await client.listSubscriptions();
      expect(waits).toEqual([5000]);
    });

    it('backs off within the ceiling on HTTP 429 without Retry-After', async () => {
      sim.faults.add({ operation: 'list', kind: 'throttle-429', times: 2 });
      const { client, waits } = clientFor({ random: () => 0.5 });
      await client.listSubscriptions();
      expect(waits).toEqual([50, 100]);
    });

    it('retries HTTP 500 and AF50000 and then succeeds', async () => {
      const [blob] = sim.generateAndPublish(tenantId, 'Audit.General', {
        blobs: 1,
        recordsPerBlob: 3,
        seed: 6,
      });
      sim.faults.add({ operation: 'fetch', kind: 'http-500' });
      sim.faults.add({ operation: 'fetch', kind: 'af50000' });
      const { client, waits, logger } = clientFor();
      expect(await client.fetchContent(blob!.contentUri)).toHaveLength(3);
      expect(waits).toHaveLength(2);
      const warnings = logger.lines.filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(2);
      expect(warnings[1]!.line).toContain('AF50000');
    });

    it('gives up after maxAttempts tries, reporting the attempts', async () => {
      sim.faults.add({ operation: 'list', kind: 'http-503', times: 10 });
      const { client, waits } = clientFor({ maxAttempts: 3 });
      const before = apiRequests().length;
      const error = await failureOf(client.listSubscriptions());
      expect(error).toMatchObject({ classification: 'transient', statusCode: 503, attempts: 3 });
      expect(waits).toHaveLength(2);
      expect(apiRequests().length - before).toBe(3);
    });

    it('times out a request that gets no answer and tries again', async () => {
      sim.faults.add({ operation: 'list', kind: 'slow', delayMs: 3000 });
      const { client, waits } = clientFor({ requestTimeoutMs: 300 });
      expect((await client.listSubscriptions()).length).toBeGreaterThan(0);
      expect(waits).toHaveLength(1);
      sim.faults.add({ operation: 'list', kind: 'slow', delayMs: 3000, times: 2 });
      const error = await failureOf(
        clientFor({ requestTimeoutMs: 300, maxAttempts: 2 }).client.listSubscriptions(),
      );
      expect(error.classification).toBe('transient');
      expect(error.message).toContain('no answer within 300 ms');
    });

    it('retries a dropped connection', async () => {
      const [blob] = sim.generateAndPublish(tenantId, 'Audit.General', {
        blobs: 1,
        recordsPerBlob: 2,
        seed: 7,
      });
      sim.faults.add({ operation: 'fetch', kind: 'drop' });
      const { client, waits } = clientFor();
      expect(await client.fetchContent(blob!.contentUri)).toHaveLength(2);
      expect(waits).toHaveLength(1);
    });

    it('stops waiting when the caller aborts during a backoff', async () => {
      sim.faults.add({ operation: 'list', kind: 'http-503', times: 5 });
      const controller = new AbortController();
      const { client } = clientFor({
        sleep: async (_ms, signal) => {
          controller.abort(new Error('caller gave up'));
          if (signal?.aborted) throw signal.reason;
        },
      });
      const before = apiRequests().length;
      await expect(client.listSubscriptions({ abortSignal: controller.signal })).rejects.toThrow(
        'caller gave up',
      );
      expect(apiRequests().length - before).toBe(1);
    });

    it('never writes a token into a log line', async () => {
      sim.faults.add({ operation: 'list', kind: 'throttle-403', times: 2 });
      const { client, logger, spy } = clientFor();
      await client.listSubscriptions();
      expect(spy.tokens.length).toBeGreaterThan(0);
      expect(logger.lines.length).toBeGreaterThan(0);
      for (const line of logger.lines) for (const token of spy.tokens) expect(line.line).not.toContain(token);
    });

    it('requests one token for many concurrent calls', async () => {
      const { client, spy } = clientFor();
      await Promise.all(Array.from({ length: 8 }, () => client.listSubscriptions()));
      expect(spy.calls()).toBe(1);
    });
  });

  describe('malformed answers', () => {
    it('types an answer that is not JSON', async () => {
      sim.faults.add({ operation: 'list', kind: 'non-json' });
      const error = await failureOf(clientFor().client.listSubscriptions());
      expect(error).toMatchObject({ classification: 'invalidResponse', operation: 'listSubscriptions' });
      expect(error.message).toContain('not JSON');
    });

    it('types a listing of the wrong shape, naming what is wrong', async () => {
      sim.faults.add({ operation: 'content', kind: 'wrong-shape' });
      const error = await failureOf(collect(clientFor().client.listContent('Audit.General', recentWindow())));
      expect(error.classification).toBe('invalidResponse');
      expect(error.message).toContain('unexpected answer shape');
    });

    it('types a content blob that is not JSON, when fetched and when streamed', async () => {
      const [blob] = sim.generateAndPublish(tenantId, 'Audit.General', {
        blobs: 1,
        recordsPerBlob: 2,
        seed: 8,
      });
      sim.faults.add({ operation: 'fetch', kind: 'non-json', times: 2 });
      const { client } = clientFor();
      expect((await failureOf(client.fetchContent(blob!.contentUri))).classification).toBe('invalidResponse');
      expect((await failureOf(collect(client.streamContent(blob!.contentUri)))).classification).toBe(
        'invalidResponse',
      );
    });
  });

  describe('token failures', () => {
    it('keeps AADSTS7000215 for a wrong secret and does not retry it', async () => {
      const { client, spy } = clientFor({ secret: 'not-the-secret' });
      const before = apiRequests().length;
      const error = await failureOf(client.listSubscriptions());
      expect(error).toBeInstanceOf(TokenAcquisitionError);
      expect(error).toMatchObject({
        aadstsCode: 'AADSTS7000215',
        classification: 'tokenFailure',
        attempts: 1,
      });
      expect(spy.calls()).toBe(1);
      expect(apiRequests().length).toBe(before);
    });

    it('keeps AADSTS7000222 for an expired secret', async () => {
      const { client } = clientFor({ tenant: expiredTenantId });
      const error = await failureOf(client.listSubscriptions());
      expect(error).toBeInstanceOf(TokenAcquisitionError);
      expect((error as TokenAcquisitionError).aadstsCode).toBe('AADSTS7000222');
      expect(error.message).not.toContain(secret);
    });
  });
});
