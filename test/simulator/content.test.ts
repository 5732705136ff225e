import type { Simulator, SimulatorOptions } from '../../local/simulator';
import { TENANT, call, errorCodeOf, feedUrl, startTestSimulator, tokenFor } from './harness';

interface Listed {
  contentType: string;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

describe('simulated content listing and blobs', () => {
  let sim: Simulator;
  let token: string;
  let now: Date;

  async function begin(overrides: Partial<SimulatorOptions> = {}) {
    now = new Date('2025-03-10T12:00:00Z');
    sim = await startTestSimulator({ clock: () => now, push: { autoPush: false }, ...overrides });
    token = await tokenFor(sim);
    await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.General' }), token, {
      method: 'POST',
    });
  }
  afterEach(() => sim.stop());

  const list = (query: Record<string, string>) =>
    call(feedUrl(sim, 'subscriptions/content', { contentType: 'Audit.General', ...query }), token);

  it('lists content created in [startTime, endTime) in the documented formats', async () => {
    await begin();
    const at = (iso: string) =>
      sim.publishContent(TENANT, 'Audit.General', [{ Id: iso }], { createdAt: new Date(iso) });
    const before = at('2025-03-10T09:59:59.999Z');
    const first = at('2025-03-10T10:00:00.000Z');
    const inside = at('2025-03-10T10:30:00.000Z');
    const atEnd = at('2025-03-10T11:00:00.000Z');

    for (const [startTime, endTime] of [
      ['2025-03-10T10:00', '2025-03-10T11:00'],
      ['2025-03-10T10:00:00', '2025-03-10T11:00:00'],
      ['2025-03-10T10:00:00Z', '2025-03-10T11:00:00.000Z'],
    ]) {
      const answer = await list({ startTime, endTime });
      expect(answer.status).toBe(200);
      expect((answer.json as Listed[]).map((c) => c.contentId)).toEqual([first.contentId, inside.contentId]);
    }
    const byDay = await list({ startTime: '2025-03-10', endTime: '2025-03-10T11:00' });
    expect((byDay.json as Listed[]).map((c) => c.contentId)).toEqual([
      before.contentId,
      first.contentId,
      inside.contentId,
    ]);
    const item = (byDay.json as Listed[])[1];
    expect(item).toEqual({
      contentType: 'Audit.General',
      contentId: first.contentId,
      contentUri: `${sim.apiBaseUrl}/api/v1.0/${TENANT}/activity/feed/audit/${first.contentId}`,
      contentCreated: '2025-03-10T10:00:00.000Z',
      contentExpiration: '2025-03-17T10:00:00.000Z',
    });
    expect(atEnd.contentId).toContain('$');
  });

  it('defaults to the last 24 hours when no window is given', async () => {
    await begin();
    const old = sim.publishContent(TENANT, 'Audit.General', [{}], {
      createdAt: new Date('2025-03-09T11:00:00Z'),
    });
    const recent = sim.publishContent(TENANT, 'Audit.General', [{}], {
      createdAt: new Date('2025-03-10T11:00:00Z'),
    });
    const answer = await list({});
    const ids = (answer.json as Listed[]).map((c) => c.contentId);
    expect(ids).toContain(recent.contentId);
    expect(ids).not.toContain(old.contentId);
  });

  it('enforces the window rules with AF20030 and AF20055', async () => {
    await begin();
    expect(errorCodeOf(await list({ startTime: '2025-03-10T00:00' }))).toBe('AF20030');
    expect(errorCodeOf(await list({ endTime: '2025-03-10T00:00' }))).toBe('AF20030');
    expect(errorCodeOf(await list({ startTime: '2025-03-09T00:00', endTime: '2025-03-10T00:01' }))).toBe(
      'AF20030',
    );
    expect(errorCodeOf(await list({ startTime: '2025-03-10T05:00', endTime: '2025-03-10T05:00' }))).toBe(
      'AF20055',
    );
    expect(errorCodeOf(await list({ startTime: '2025-03-10T06:00', endTime: '2025-03-10T05:00' }))).toBe(
      'AF20055',
    );
    // More than 7 days (+1 h slack) back is refused; just inside the slack is accepted.
    expect(errorCodeOf(await list({ startTime: '2025-03-03T10:59', endTime: '2025-03-04T10:00' }))).toBe(
      'AF20030',
    );
    expect((await list({ startTime: '2025-03-03T11:30', endTime: '2025-03-04T10:00' })).status).toBe(200);
    // End times in the future are accepted.
    expect((await list({ startTime: '2025-03-10T11:00', endTime: '2025-03-11T10:00' })).status).toBe(200);
    expect(errorCodeOf(await list({ startTime: 'yesterday', endTime: '2025-03-10T10:00' }))).toBe('AF20002');
    expect(errorCodeOf(await list({ startTime: '2025-02-30', endTime: '2025-03-01' }))).toBe('AF20002');
  });

  it('answers AF20022 for a content type without subscription and AF20020 for an unknown one', async () => {
    await begin();
    const none = await call(feedUrl(sim, 'subscriptions/content', { contentType: 'DLP.All' }), token);
    expect(errorCodeOf(none)).toBe('AF20022');
    const bad = await call(feedUrl(sim, 'subscriptions/content', { contentType: 'Audit.Nope' }), token);
    expect(errorCodeOf(bad)).toBe('AF20020');
  });

  async function walkPages(header: string): Promise<{ ids: string[]; pages: number; urls: string[] }> {
    let url: string | null = feedUrl(sim, 'subscriptions/content', {
      contentType: 'Audit.General',
      startTime: '2025-03-10T00:00',
      endTime: '2025-03-10T12:00',
      PublisherIdentifier: TENANT,
    });
    const ids: string[] = [];
    const urls: string[] = [];
    let pages = 0;
    while (url) {
      const answer = await call(url, token);
      expect(answer.status).toBe(200);
      ids.push(...(answer.json as Listed[]).map((c) => c.contentId));
      pages++;
      url = answer.headers.get(header);
      if (url) urls.push(url);
    }
    return { ids, pages, urls };
  }

  it.each(['NextPageUri', 'NextPageUrl'] as const)(
    'pages with the %s header until it is absent',
    async (header) => {
      await begin({ pageSize: 3, pagingHeader: header });
      const published = sim.generateAndPublish(TENANT, 'Audit.General', {
        blobs: 8,
        recordsPerBlob: 2,
        createdAt: new Date('2025-03-10T08:00:00Z'),
      });
      const { ids, pages, urls } = await walkPages(header);
      expect(pages).toBe(3);
      expect(ids).toEqual(published.map((p) => p.contentId));
      for (const u of urls) {
        expect(
          u.startsWith(`${sim.apiBaseUrl}/api/v1.0/${TENANT}/activity/feed/subscriptions/content?`),
        ).toBe(true);
        expect(new URL(u).searchParams.get('nextPage')).toMatch(/\S/);
        expect(new URL(u).searchParams.get('PublisherIdentifier')).toBe(TENANT);
      }
    },
  );

  it('answers AF20031 to a bad nextPage token or one from another window', async () => {
    await begin({ pageSize: 1 });
    sim.generateAndPublish(TENANT, 'Audit.General', {
      blobs: 3,
      recordsPerBlob: 1,
      createdAt: new Date('2025-03-10T08:00:00Z'),
    });
    expect(
      errorCodeOf(
        await list({ startTime: '2025-03-10T00:00', endTime: '2025-03-10T12:00', nextPage: 'garbage' }),
      ),
    ).toBe('AF20031');
    const first = await list({ startTime: '2025-03-10T00:00', endTime: '2025-03-10T12:00' });
    const token2 = new URL(first.headers.get('NextPageUri') ?? '').searchParams.get('nextPage') ?? '';
    expect(
      errorCodeOf(
        await list({ startTime: '2025-03-10T01:00', endTime: '2025-03-10T12:00', nextPage: token2 }),
      ),
    ).toBe('AF20031');
  });

  it('serves a blob as the JSON array of its records', async () => {
    await begin();
    const records = [
      { Id: 'a', Operation: 'TeamCreated' },
      { Id: 'b', Operation: 'MemberAdded' },
    ];
    const published = sim.publishContent(TENANT, 'Audit.General', records);
    expect(published.recordCount).toBe(2);
    const answer = await call(`${published.contentUri}?PublisherIdentifier=${TENANT}`, token);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('application/json');
    expect(answer.json).toEqual(records);
    expect(sim.requests.at(-1)).toMatchObject({ operation: 'fetch', publisherIdentifier: TENANT });
    // A client that percent-encodes the `$`s, or follows the docs' /api/v1/ NextPageUri form, still gets it.
    expect((await call(published.contentUri.replace(/\$/g, '%24'), token)).json).toEqual(records);
    expect((await call(published.contentUri.replace('/api/v1.0/', '/api/v1/'), token)).json).toEqual(records);
  });

  it('answers AF20050 for an unknown id, AF20052 for a malformed one and AF20051 once expired', async () => {
    await begin();
    const base = `${sim.apiBaseUrl}/api/v1.0/${TENANT}/activity/feed/audit/`;
    expect(errorCodeOf(await call(`${base}123$456$abc$def$01`, token))).toBe('AF20050');
    expect(errorCodeOf(await call(`${base}not-a-content-id`, token))).toBe('AF20052');

    const byHand = sim.publishContent(TENANT, 'Audit.General', [{}]);
    sim.expireContent(byHand.contentId);
    expect(errorCodeOf(await call(byHand.contentUri, token))).toBe('AF20051');

    const aging = sim.publishContent(TENANT, 'Audit.General', [{}]);
    expect((await call(aging.contentUri, token)).status).toBe(200);
    now = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
    token = await tokenFor(sim);
    const expired = await call(aging.contentUri, token);
    expect(errorCodeOf(expired)).toBe('AF20051');
    expect(expired.text).toContain('Content older than 7 days cannot be retrieved.');
  });

  it('loses content published while a subscription was stopped, even after a new start', async () => {
    await begin();
    const minuteAgo = { createdAt: new Date(now.getTime() - 60_000) };
    const kept = sim.publishContent(TENANT, 'Audit.General', [{}], minuteAgo);
    await call(feedUrl(sim, 'subscriptions/stop', { contentType: 'Audit.General' }), token, {
      method: 'POST',
    });
    const lost = sim.publishContent(TENANT, 'Audit.General', [{}], minuteAgo);
    expect(errorCodeOf(await call(kept.contentUri, token))).toBe('AF20022');
    await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.General' }), token, {
      method: 'POST',
    });
    const ids = ((await list({})).json as Listed[]).map((c) => c.contentId);
    expect(ids).toContain(kept.contentId);
    expect(ids).not.toContain(lost.contentId);
    expect(errorCodeOf(await call(lost.contentUri, token))).toBe('AF20050');
  });

  it("does not serve another tenant's blob", async () => {
    await begin();
    const published = sim.publishContent(TENANT, 'Audit.General', [{}]);
    const otherUri = published.contentUri.replace(TENANT, '99999999-8888-4777-8666-555555555555');
    const other = await tokenFor(
      sim,
      'api',
      '99999999-8888-4777-8666-555555555555',
      'fedcba98-7654-4321-8fed-cba987654321',
      'other-secret',
    );
    expect(errorCodeOf(await call(otherUri, other))).toBe('AF20050');
  });
});
