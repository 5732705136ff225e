/**
 * Client behaviour that needs answers no well-behaved server gives (redirects, foreign paging links,
 * bodies that stall or break mid-way): a scripted fetch stands in for the network.
 */
import type { TokenCredential } from '@azure/identity';
import { memoryLogger } from '../../shared/log';
import { ManagementActivityClient, ManagementApiError, PagingStoppedError } from '../../shared/managementApi';

const tenantId = 'f28ab78a-d401-4060-8012-736e373933eb';
const publisherId = '46b472a7-c68e-4adf-8ade-3db49497518e';
const apiBaseUrl = 'https://manage.office.com';
const tenant = {
  tenantId,
  publisherId,
  endpoints: {
    apiBaseUrl,
    authorityHost: 'https://login.microsoftonline.com',
    tokenScope: 'https://manage.office.com/.default',
    graphBaseUrl: 'https://graph.microsoft.com',
  },
};
const contentUri = `${apiBaseUrl}/api/v1.0/${tenantId}/activity/feed/audit/4926$4926$f28ab$04`;

interface Sent {
  url: string;
  init: RequestInit;
}

function scripted(answers: ((sent: Sent) => Response | Promise<Response>)[]) {
  const sent: Sent[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Sent = { url: String(input), init: init ?? {} };
    sent.push(call);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${call.url}`);
    return answer(call);
  }) as typeof fetch;
  return { fetchFn, sent };
}

function credential() {
  let calls = 0;
  const cred: TokenCredential = {
    getToken: async () => {
      calls++;
      return { token: `token-${calls}`, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return { cred, calls: () => calls };
}

const json = (value: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(value), {
    status: 200,
    headers: { 'content-type': 'application/json' },
    ...init,
  });

function streamOf(chunks: string[], then: 'close' | 'stall' | 'error') {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      if (then === 'close') controller.close();
      if (then === 'error')
        controller.error(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    },
  });
}

function makeClient(
  fetchFn: typeof fetch,
  extra: Partial<ConstructorParameters<typeof ManagementActivityClient>[2]> = {},
) {
  const c = credential();
  const client = new ManagementActivityClient(tenant, c.cred, {
    fetch: fetchFn,
    sleep: async () => undefined,
    requestTimeoutMs: 200,
    ...extra,
  });
  return { client, tokenCalls: c.calls };
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

const window = { startTime: new Date('2026-03-01T00:00:00Z'), endTime: new Date('2026-03-01T12:00:00Z') };
const item = (n: number) => ({
  contentType: 'Audit.General',
  contentId: `id${n}`,
  contentUri: `${contentUri}${n}`,
  contentCreated: '2026-03-01T01:00:00.000Z',
  contentExpiration: '2026-03-08T01:00:00.000Z',
});

describe('ManagementActivityClient with scripted answers', () => {
  it('sends the bearer token, JSON content type and webhook body on start, and does not follow redirects', async () => {
    const { fetchFn, sent } = scripted([
      () =>
        json({
          contentType: 'Audit.General',
          status: 'enabled',
          webhook: { status: 'enabled', address: 'https://hook', authId: 'a', expiration: '' },
        }),
    ]);
    const { client } = makeClient(fetchFn);
    const sub = await client.startSubscription('Audit.General', {
      webhook: { address: 'https://hook', authId: 'a' },
    });
    expect(sub.webhook).toEqual({ status: 'enabled', address: 'https://hook', authId: 'a', expiration: '' });
    const headers = sent[0]!.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer token-1');
    expect(headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(sent[0]!.init.body))).toEqual({
      webhook: { address: 'https://hook', authId: 'a' },
    });
    expect(sent[0]!.init.redirect).toBe('manual');
    expect(sent[0]!.url).toBe(
      `${apiBaseUrl}/api/v1.0/${tenantId}/activity/feed/subscriptions/start?contentType=Audit.General&PublisherIdentifier=${publisherId}`,
    );
  });

  it('treats a redirect as a failure instead of carrying the token elsewhere', async () => {
    const { fetchFn, sent } = scripted([
      () => new Response(null, { status: 302, headers: { location: 'https://evil.example.com/' } }),
    ]);
    const error = await failureOf(makeClient(fetchFn).client.listSubscriptions());
    expect(error).toMatchObject({ statusCode: 302, classification: 'fatal' });
    expect(sent).toHaveLength(1);
  });

  it('synthesizes the subscription after AF20024 when the listing does not show it', async () => {
    const { fetchFn } = scripted([
      () =>
        json(
          { error: { code: 'AF20024', message: 'The subscription is already enabled. No property change.' } },
          { status: 400 },
        ),
      () => json([]),
    ]);
    const sub = await makeClient(fetchFn).client.startSubscription('Audit.Exchange', {
      webhook: { address: 'https://hook' },
    });
    expect(sub).toEqual({
      contentType: 'Audit.Exchange',
      status: 'enabled',
      webhook: { status: 'enabled', address: 'https://hook', authId: null, expiration: null },
    });
  });

  it('reads a subscription listing whose items omit status and webhook', async () => {
    const { fetchFn } = scripted([
      () =>
        json([
          { contentType: 'audit.exchange' },
          { contentType: 'Audit.General', status: 'enabled', webhook: null },
        ]),
    ]);
    expect(await makeClient(fetchFn).client.listSubscriptions()).toEqual([
      { contentType: 'Audit.Exchange', status: 'unknown', webhook: null },
      { contentType: 'Audit.General', status: 'enabled', webhook: null },
    ]);
  });

  it('follows a next-page link verbatim, adding PublisherIdentifier only when missing', async () => {
    const page2 = `${apiBaseUrl}/api/v1/${tenantId}/activity/feed/subscriptions/content?contentType=Audit.General&nextPage=2015$R0228`;
    const page3 = `${apiBaseUrl}/api/v1/${tenantId}/activity/feed/subscriptions/content?nextPage=X&publisheridentifier=${publisherId}`;
    const { fetchFn, sent } = scripted([
      () => json([item(1)], { headers: { NextPageUri: page2 } }),
      () => json([item(2)], { headers: { NextPageUrl: page3 } }),
      () => json([item(3)]),
    ]);
    const listed = await collect(makeClient(fetchFn).client.listContent('Audit.General', window));
    expect(listed.map((c) => c.contentId)).toEqual(['id1', 'id2', 'id3']);
    expect(sent[0]!.url).toContain('startTime=2026-03-01T00%3A00%3A00&endTime=2026-03-01T12%3A00%3A00');
    expect(sent[1]!.url).toBe(`${page2}&PublisherIdentifier=${publisherId}`);
    expect(sent[2]!.url).toBe(page3);
  });

  it('refuses to send the token to a next-page link on another host', async () => {
    const { fetchFn, sent } = scripted([
      () =>
        json([item(1)], {
          headers: {
            NextPageUri: `https://evil.example.com/api/v1.0/${tenantId}/activity/feed/subscriptions/content?nextPage=1`,
          },
        }),
    ]);
    const seen: string[] = [];
    const error = await failureOf(
      (async () => {
        for await (const c of makeClient(fetchFn).client.listContent('Audit.General', window))
          seen.push(c.contentId);
      })(),
    );
    expect(seen).toEqual(['id1']);
    expect(error.classification).toBe('invalidResponse');
    expect(error.message).toContain('wrongOrigin');
    expect(sent).toHaveLength(1);
  });

  describe('next-page links that would never end', () => {
    const pageLink = (n: number) =>
      `${apiBaseUrl}/api/v1.0/${tenantId}/activity/feed/subscriptions/content?contentType=Audit.General&nextPage=P${n}`;

    async function listUntilStopped(client: ManagementActivityClient) {
      const seen: string[] = [];
      const error = await failureOf(
        (async () => {
          for await (const c of client.listContent('Audit.General', window)) seen.push(c.contentId);
        })(),
      );
      return { seen, error };
    }

    it.each([
      ['names the page just read again', [pageLink(1), pageLink(1)], 2],
      ['goes round a cycle of two', [pageLink(1), pageLink(2), pageLink(1)], 3],
    ])('stops with a typed error when the link %s', async (_what, links, expectedPages) => {
      const { fetchFn, sent } = scripted(
        links.map((link, i) => () => json([item(i + 1)], { headers: { NextPageUri: link } })),
      );
      const logger = memoryLogger();
      const { seen, error } = await listUntilStopped(makeClient(fetchFn, { logger }).client);
      expect(error).toBeInstanceOf(PagingStoppedError);
      expect(error).toMatchObject({
        reason: 'pageLinkRepeated',
        pages: expectedPages,
        classification: 'invalidResponse',
      });
      expect(error.message).toMatch(/listContent stopped after \d+ page\(s\) \(pageLinkRepeated\)/);
      expect(seen).toEqual(links.map((_l, i) => `id${i + 1}`));
      expect(sent).toHaveLength(expectedPages);
      expect(logger.lines.some((l) => l.level === 'warn' && l.line.includes('pageLinkRepeated'))).toBe(true);
    });

    it('stops when the link points back at the first page it asked for', async () => {
      const { fetchFn, sent } = scripted([
        (first) => json([item(1)], { headers: { NextPageUri: first.url } }),
      ]);
      const { seen, error } = await listUntilStopped(makeClient(fetchFn).client);
      expect((error as PagingStoppedError).reason).toBe('pageLinkRepeated');
      expect(seen).toEqual(['id1']);
      expect(sent).toHaveLength(1);
    });

    it('stops at the page cap, each page still yielded', async () => {
      const { fetchFn, sent } = scripted(
        [1, 2, 3, 4].map((n) => () => json([item(n)], { headers: { NextPageUri: pageLink(n) } })),
      );
      const { seen, error } = await listUntilStopped(makeClient(fetchFn, { maxPagesPerListing: 3 }).client);
      expect(error).toMatchObject({ reason: 'tooManyPages', pages: 3 });
      expect(seen).toEqual(['id1', 'id2', 'id3']);
      expect(sent).toHaveLength(3);
    });
  });

  it('asks for a new token after the API answers 401', async () => {
    const { fetchFn, sent } = scripted([
      () => json({ error: { code: 'Unauthorized', message: 'token expired' } }, { status: 401 }),
      () => json([]),
    ]);
    const { client, tokenCalls } = makeClient(fetchFn);
    expect((await failureOf(client.listSubscriptions())).classification).toBe('fatal');
    await client.listSubscriptions();
    expect(tokenCalls()).toBe(2);
    expect((sent[1]!.init.headers as Record<string, string>).Authorization).toBe('Bearer token-2');
  });

  it('retries a token request that failed on the network, but not one Entra refused', async () => {
    let calls = 0;
    const flaky: TokenCredential = {
      getToken: async () => {
        calls++;
        if (calls === 1) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        return { token: 'fresh', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const ok = scripted([() => json([])]);
    const waits: number[] = [];
    const client = new ManagementActivityClient(tenant, flaky, {
      fetch: ok.fetchFn,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(await client.listSubscriptions()).toEqual([]);
    expect(calls).toBe(2);
    expect(waits).toHaveLength(1);

    let refusals = 0;
    const refused: TokenCredential = {
      getToken: async () => {
        refusals++;
        throw new Error('AADSTS7000215: Invalid client secret provided.');
      },
    };
    const never = scripted([]);
    const error = await failureOf(
      new ManagementActivityClient(tenant, refused, {
        fetch: never.fetchFn,
        sleep: async () => undefined,
      }).listSubscriptions(),
    );
    expect(error).toMatchObject({ classification: 'tokenFailure', aadstsCode: 'AADSTS7000215', attempts: 1 });
    expect(refusals).toBe(1);
    expect(never.sent).toHaveLength(0);
  });

  it('stops at once when the caller aborts a request in flight, without retrying', async () => {
    const controller = new AbortController();
    const { fetchFn, sent } = scripted([
      (call) =>
        new Promise<Response>((_, reject) => {
          call.init.signal?.addEventListener('abort', () => reject(call.init.signal?.reason));
          controller.abort(new Error('shutting down'));
        }),
    ]);
    await expect(
      makeClient(fetchFn).client.listSubscriptions({ abortSignal: controller.signal }),
    ).rejects.toThrow('shutting down');
    expect(sent).toHaveLength(1);
  });

  it('refuses an unknown content type locally', async () => {
    const { fetchFn, sent } = scripted([]);
    const error = await failureOf(makeClient(fetchFn).client.stopSubscription('Audit.Nope' as never));
    expect(error.classification).toBe('fatal');
    expect(sent).toHaveLength(0);
  });

  it('refuses a content blob that is JSON but not an array', async () => {
    const { fetchFn } = scripted([() => json({ records: [] })]);
    const error = await failureOf(makeClient(fetchFn).client.fetchContent(contentUri));
    expect(error.classification).toBe('invalidResponse');
    expect(error.message).toContain('expected a JSON array');
  });

  describe('streaming', () => {
    it('yields records from a body split at awkward places', async () => {
      const { fetchFn, sent } = scripted([
        () => new Response(streamOf(['[{"a":"x\\', '"y"},', ' {"b":[1,', '2]}]'], 'close')),
      ]);
      expect(await collect(makeClient(fetchFn).client.streamContent(contentUri))).toEqual([
        { a: 'x"y' },
        { b: [1, 2] },
      ]);
      expect(sent[0]!.url).toBe(`${contentUri}?PublisherIdentifier=${publisherId}`);
    });

    it('reports a body that stalls mid-way as transient, after the records it did deliver', async () => {
      const { fetchFn } = scripted([() => new Response(streamOf(['[{"n":1},{"n":'], 'stall'))]);
      const seen: unknown[] = [];
      const error = await failureOf(
        (async () => {
          for await (const r of makeClient(fetchFn).client.streamContent(contentUri)) seen.push(r);
        })(),
      );
      expect(seen).toEqual([{ n: 1 }]);
      expect(error.classification).toBe('transient');
      expect(error.message).toContain('stalled');
    });

    it('reports a connection broken mid-body as transient', async () => {
      const { fetchFn } = scripted([() => new Response(streamOf(['[1,2,'], 'error'))]);
      const error = await failureOf(collect(makeClient(fetchFn).client.streamContent(contentUri)));
      expect(error.classification).toBe('transient');
    });

    it('reports a truncated body and an oversized record as invalid responses', async () => {
      const truncated = scripted([() => new Response(streamOf(['[1,2,{"a":'], 'close'))]);
      const e1 = await failureOf(collect(makeClient(truncated.fetchFn).client.streamContent(contentUri)));
      expect(e1.classification).toBe('invalidResponse');
      expect(e1.message).toContain('truncated');
      const big = scripted([
        () => new Response(streamOf([JSON.stringify([{ s: 'x'.repeat(500) }])], 'close')),
      ]);
      const e2 = await failureOf(
        collect(makeClient(big.fetchFn, { maxElementChars: 100 }).client.streamContent(contentUri)),
      );
      expect(e2.classification).toBe('invalidResponse');
      expect(e2.message).toContain('elementTooLarge');
    });

    it('retries a failure that comes before the body, then streams', async () => {
      const { fetchFn, sent } = scripted([
        () =>
          json({ error: { code: 'AF429', message: 'Too many requests. Method=GetBlob' } }, { status: 403 }),
        () => new Response(streamOf(['[7]'], 'close')),
      ]);
      expect(await collect(makeClient(fetchFn).client.streamContent(contentUri))).toEqual([7]);
      expect(sent).toHaveLength(2);
    });

    it('releases the body when the consumer stops early', async () => {
      let cancelled = false;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('[1,2,3,'));
        },
        cancel() {
          cancelled = true;
        },
      });
      const { fetchFn } = scripted([() => new Response(body)]);
      for await (const r of makeClient(fetchFn).client.streamContent(contentUri)) {
        expect(r).toBe(1);
        break;
      }
      expect(cancelled).toBe(true);
    });
  });
});
