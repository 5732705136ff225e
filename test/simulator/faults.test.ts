import type { FaultKind, Simulator } from '../../local/simulator';
import { TENANT, call, errorCodeOf, feedUrl, requestToken, startTestSimulator, tokenFor } from './harness';

describe('faults on demand', () => {
  let sim: Simulator;
  let token: string;
  beforeEach(async () => {
    sim = await startTestSimulator({ push: { autoPush: false } });
    token = await tokenFor(sim);
    await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.Exchange' }), token, {
      method: 'POST',
    });
  });
  afterEach(() => sim.stop());

  const listUrl = () => feedUrl(sim, 'subscriptions/list', { PublisherIdentifier: TENANT });

  it('throttles with HTTP 403 and AF429 naming the method and publisher, with Retry-After', async () => {
    const blob = sim.publishContent(TENANT, 'Audit.Exchange', [{}]);
    sim.faults.add({ operation: 'fetch', kind: 'throttle-403', retryAfterSeconds: 7 });
    const answer = await call(`${blob.contentUri}?PublisherIdentifier=${TENANT}`, token);
    expect(answer.status).toBe(403);
    expect(errorCodeOf(answer)).toBe('AF429');
    expect(answer.text).toContain(`Method=GetBlob, PublisherId=${TENANT}`);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect((await call(blob.contentUri, token)).status).toBe(200);
  });

  it('names the all-zero publisher when none was sent', async () => {
    sim.faults.add({ operation: 'list', kind: 'throttle-429' });
    const answer = await call(feedUrl(sim, 'subscriptions/list'), token);
    expect(answer.status).toBe(429);
    expect(answer.text).toContain('PublisherId=00000000-0000-0000-0000-000000000000');
  });

  it('answers plain HTTP 500, AF50000 and 503', async () => {
    sim.faults.add({ operation: 'list', kind: 'http-500' });
    sim.faults.add({ operation: 'list', kind: 'af50000' });
    sim.faults.add({ operation: 'list', kind: 'http-503', retryAfterSeconds: 3 });
    const plain = await call(listUrl(), token);
    expect(plain.status).toBe(500);
    expect(plain.json).toBeUndefined();
    const af = await call(listUrl(), token);
    expect(af.status).toBe(500);
    expect(errorCodeOf(af)).toBe('AF50000');
    const unavailable = await call(listUrl(), token);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('3');
    expect((await call(listUrl(), token)).status).toBe(200);
  });

  it('drops the connection', async () => {
    sim.faults.add({ operation: 'list', kind: 'drop' });
    await expect(fetch(listUrl(), { headers: { Authorization: `Bearer ${token}` } })).rejects.toThrow();
    expect(sim.requests.at(-1)?.statusCode).toBeUndefined();
    expect((await call(listUrl(), token)).status).toBe(200);
  });

  it('answers slowly but correctly', async () => {
    sim.faults.add({ operation: 'list', kind: 'slow', delayMs: 50 });
    const answer = await call(listUrl(), token);
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.json)).toBe(true);
    expect(sim.faults.pending()).toEqual([]);
  });

  it('answers 200 with a non-JSON body and with wrong-shaped JSON', async () => {
    sim.faults.add({ operation: 'content', kind: 'non-json' });
    sim.faults.add({ operation: 'content', kind: 'wrong-shape' });
    const url = feedUrl(sim, 'subscriptions/content', { contentType: 'Audit.Exchange' });
    const html = await call(url, token);
    expect(html.status).toBe(200);
    expect(html.json).toBeUndefined();
    const shaped = await call(url, token);
    expect(shaped.status).toBe(200);
    expect(Array.isArray(shaped.json)).toBe(false);
    expect(typeof shaped.json).toBe('object');
  });

  it('narrows a fetch fault to one contentId and counts `times`', async () => {
    const [a, b] = sim.generateAndPublish(TENANT, 'Audit.Exchange', { blobs: 2, recordsPerBlob: 1 });
    sim.faults.add({ operation: 'fetch', kind: 'af50000', contentId: b.contentId, times: 2 });
    expect((await call(a.contentUri, token)).status).toBe(200);
    expect(sim.faults.pending()).toEqual([expect.objectContaining({ contentId: b.contentId, times: 2 })]);
    expect((await call(b.contentUri, token)).status).toBe(500);
    expect((await call(b.contentUri, token)).status).toBe(500);
    expect((await call(b.contentUri, token)).status).toBe(200);
    expect(sim.faults.pending()).toEqual([]);
  });

  it('narrows by tenant, matches any operation with "any", and clears', async () => {
    sim.faults.add({ operation: 'any', kind: 'http-503', tenantId: '99999999-8888-4777-8666-555555555555' });
    expect((await call(listUrl(), token)).status).toBe(200);
    sim.faults.clear();
    sim.faults.add({ operation: 'any', kind: 'http-503' });
    expect((await call(listUrl(), token)).status).toBe(503);
    sim.faults.add({ operation: 'any', kind: 'http-500', times: 5 });
    sim.faults.clear();
    expect(sim.faults.pending()).toEqual([]);
  });

  it.each<[FaultKind, number]>([
    ['throttle-429', 429],
    ['http-500', 500],
  ])('applies %s to the token endpoint', async (kind, status) => {
    sim.faults.add({ operation: 'token', kind });
    await expect(tokenFor(sim)).rejects.toThrow(String(status));
    await expect(tokenFor(sim)).resolves.toMatch(/\./);
  });

  it('applies faults to start, stop and notifications', async () => {
    sim.faults.add({ operation: 'start', kind: 'af50000' });
    sim.faults.add({ operation: 'stop', kind: 'throttle-403' });
    sim.faults.add({ operation: 'notifications', kind: 'http-503' });
    const start = await call(feedUrl(sim, 'subscriptions/start', { contentType: 'DLP.All' }), token, {
      method: 'POST',
    });
    expect(errorCodeOf(start)).toBe('AF50000');
    const stop = await call(feedUrl(sim, 'subscriptions/stop', { contentType: 'Audit.Exchange' }), token, {
      method: 'POST',
    });
    expect(stop.status).toBe(403);
    expect(stop.text).toContain('Method=StopSubscription');
    const notes = await call(
      feedUrl(sim, 'subscriptions/notifications', { contentType: 'Audit.Exchange' }),
      token,
    );
    expect(notes.status).toBe(503);
  });

  it('refuses a rule with a non-positive times or duration', () => {
    expect(() => sim.faults.add({ operation: 'list', kind: 'drop', times: 0 })).toThrow(/times/);
    expect(() => sim.faults.add({ operation: 'list', kind: 'drop', durationMs: 0 })).toThrow(/durationMs/);
  });
});

describe('faults over a period, and stalled bodies', () => {
  let now = Date.parse('2024-05-01T10:00:00Z');
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startTestSimulator({ push: { autoPush: false }, clock: () => new Date(now) });
  });
  afterEach(() => sim.stop());

  const tokenStatus = async () => (await requestToken(sim)).status;

  it('answers every matching request with the fault for the whole period, then recovers', async () => {
    sim.faults.add({ operation: 'token', kind: 'http-503', durationMs: 120_000 });
    expect([await tokenStatus(), await tokenStatus(), await tokenStatus()]).toEqual([503, 503, 503]);
    expect(sim.faults.pending()).toEqual([
      expect.objectContaining({ kind: 'http-503', durationMs: 120_000 }),
    ]);
    now += 120_000;
    expect(await tokenStatus()).toBe(200);
    expect(sim.faults.pending()).toEqual([]);
  });

  it('sends part of a blob and then hangs until the stall ends', async () => {
    const token = await tokenFor(sim);
    await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.Exchange' }), token, {
      method: 'POST',
    });
    const blob = sim.generateAndPublish(TENANT, 'Audit.Exchange', { blobs: 1, recordsPerBlob: 20 })[0];
    sim.faults.add({ operation: 'fetch', kind: 'stall-body', afterBytes: 100, delayMs: 200 });
    const response = await fetch(blob.contentUri, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = 0;
    const started = Date.now();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.length;
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBe(100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('serves a blob indented with CRLF line ends when published so', async () => {
    const token = await tokenFor(sim);
    await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.Exchange' }), token, {
      method: 'POST',
    });
    const records = [{ Id: 'a', nested: { x: 1 } }, { Id: 'b' }];
    const blob = sim.publishContent(TENANT, 'Audit.Exchange', records, { layout: 'indentedCrlf' });
    const answer = await call(blob.contentUri, token);
    expect(answer.text).toContain('\r\n    "nested": {\r\n');
    expect(answer.text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(JSON.parse(answer.text)).toEqual(records);
  });
});
