import type { Simulator } from '../../local/simulator';
import {
  OTHER_CLIENT,
  OTHER_TENANT,
  TENANT,
  call,
  errorCodeOf,
  feedUrl,
  startReceiver,
  startTestSimulator,
  startWebhook,
  tokenFor,
  type WebhookReceiver,
} from './harness';

describe('simulated subscriptions', () => {
  let sim: Simulator;
  let receiver: WebhookReceiver;
  let token: string;
  let now: Date;
  beforeEach(async () => {
    now = new Date('2025-03-01T12:00:00Z');
    sim = await startTestSimulator({ clock: () => now });
    receiver = await startReceiver();
    token = await tokenFor(sim);
  });
  afterEach(async () => {
    await sim.stop();
    await receiver.close();
  });

  it('starts with a webhook after a validation POST, and lists it', async () => {
    const answer = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'shared-auth-id');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      contentType: 'Audit.SharePoint',
      status: 'enabled',
      webhook: { status: 'enabled', address: receiver.url, authId: 'shared-auth-id', expiration: null },
    });
    expect(receiver.posts).toHaveLength(1);
    const validation = receiver.posts[0];
    const code = validation.headers['webhook-validationcode'];
    expect(typeof code).toBe('string');
    expect(JSON.parse(validation.body)).toEqual({ validationCode: code });
    expect(validation.headers['webhook-authid']).toBe('shared-auth-id');
    expect(validation.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(sim.validations).toHaveLength(1);

    const list = await call(feedUrl(sim, 'subscriptions/list'), token);
    expect(list.json).toEqual([answer.json]);
    expect(sim.subscriptions(TENANT)).toEqual([answer.json]);
    expect(sim.requests.find((r) => r.operation === 'start')?.publisherIdentifier).toBe(TENANT);
  });

  it('records PublisherIdentifier whatever the case of its name', async () => {
    await call(feedUrl(sim, 'subscriptions/list', { publisherIdentifier: 'abc' }), token);
    expect(sim.requests.at(-1)?.publisherIdentifier).toBe('abc');
    expect(sim.requests.at(-1)?.headers.authorization).toBe('[bearer]');
  });

  it('starts without a webhook and lists webhook null', async () => {
    const answer = await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.Exchange' }), token, {
      method: 'POST',
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ contentType: 'Audit.Exchange', status: 'enabled', webhook: null });
  });

  it('fails with AF20021 when the webhook does not answer 200, and creates nothing', async () => {
    receiver.answers.push(202);
    const answer = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('AF20021');
    expect(answer.text).toContain('The endpoint did not return HTTP 200.');
    expect(sim.subscriptions(TENANT)).toEqual([]);
  });

  it('fails with AF20021 when nothing listens at the webhook address', async () => {
    const address = receiver.url;
    await receiver.close();
    const answer = await startWebhook(sim, token, 'Audit.SharePoint', address);
    expect(errorCodeOf(answer)).toBe('AF20021');
    expect(sim.validations[0].error).toBeDefined();
  });

  it('keeps the existing webhook when a changed one fails validation', async () => {
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'one');
    receiver.answers.push(500);
    const answer = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'two');
    expect(errorCodeOf(answer)).toBe('AF20021');
    expect(sim.subscriptions(TENANT)[0].webhook?.authId).toBe('one');
  });

  it('refuses an http webhook with AF20021 "must begin with HTTPS" unless insecure webhooks are allowed', async () => {
    const strict = await startTestSimulator({ allowInsecureWebhook: false });
    try {
      const strictToken = await tokenFor(strict);
      const answer = await startWebhook(strict, strictToken, 'Audit.SharePoint', receiver.url);
      expect(errorCodeOf(answer)).toBe('AF20021');
      expect(answer.text).toContain('The address must begin with HTTPS.');
      expect(receiver.posts).toHaveLength(0);
    } finally {
      await strict.stop();
    }
  });

  it('answers AF20024 to a start that changes nothing', async () => {
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id');
    const again = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id');
    expect(again.status).toBe(400);
    expect(errorCodeOf(again)).toBe('AF20024');
  });

  it('enforces the spacing between starts of one content type, with a Retry-After', async () => {
    const spaced = await startTestSimulator({ startSpacingMs: 15 * 60 * 1000, clock: () => now });
    try {
      const t = await tokenFor(spaced);
      expect((await startWebhook(spaced, t, 'Audit.SharePoint', receiver.url, 'a')).status).toBe(200);
      const tooSoon = await startWebhook(spaced, t, 'Audit.SharePoint', receiver.url, 'b');
      expect(tooSoon.status).toBe(400);
      expect(errorCodeOf(tooSoon)).toBe('AF429');
      expect(tooSoon.headers.get('retry-after')).toBe('900');
      // Another content type is not affected.
      expect((await startWebhook(spaced, t, 'Audit.Exchange', receiver.url, 'a')).status).toBe(200);
      now = new Date(now.getTime() + 15 * 60 * 1000);
      expect((await startWebhook(spaced, t, 'Audit.SharePoint', receiver.url, 'b')).status).toBe(200);
    } finally {
      await spaced.stop();
    }
  });

  it('rejects a past expiration with AF20003 and a bad content type with AF20020', async () => {
    const past = await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.SharePoint' }), token, {
      method: 'POST',
      body: JSON.stringify({ webhook: { address: receiver.url, expiration: '2025-02-01T00:00:00Z' } }),
    });
    expect(errorCodeOf(past)).toBe('AF20003');
    const badType = await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.Teams' }), token, {
      method: 'POST',
    });
    expect(errorCodeOf(badType)).toBe('AF20020');
    const noType = await call(feedUrl(sim, 'subscriptions/start'), token, { method: 'POST' });
    expect(errorCodeOf(noType)).toBe('AF20001');
    const badBody = await call(
      feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.SharePoint' }),
      token,
      {
        method: 'POST',
        body: '{not json',
      },
    );
    expect(errorCodeOf(badBody)).toBe('AF20002');
  });

  it('shows an expired webhook once its expiration passes, and start re-enables it', async () => {
    const answer = await call(
      feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.SharePoint' }),
      token,
      {
        method: 'POST',
        body: JSON.stringify({ webhook: { address: receiver.url, expiration: '2025-03-01T13:00:00Z' } }),
      },
    );
    expect(answer.status).toBe(200);
    now = new Date('2025-03-01T14:00:00Z');
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('expired');
    token = await tokenFor(sim);
    const again = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    expect(again.status).toBe(200);
    expect(sim.subscriptions(TENANT)[0].webhook).toMatchObject({ status: 'enabled', expiration: null });
  });

  it('re-enables a webhook that Microsoft disabled, and shows the silent revert to null', async () => {
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id');
    sim.setWebhookState(TENANT, 'Audit.SharePoint', 'disabled');
    const list = await call(feedUrl(sim, 'subscriptions/list'), token);
    expect((list.json as { webhook: { status: string } }[])[0].webhook.status).toBe('disabled');
    expect((await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id')).status).toBe(200);
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('enabled');
    sim.setWebhookState(TENANT, 'Audit.SharePoint', null);
    expect(sim.subscriptions(TENANT)[0]).toEqual({
      contentType: 'Audit.SharePoint',
      status: 'enabled',
      webhook: null,
    });
  });

  it('stops a subscription: empty 200, status disabled, listing content then answers AF20022', async () => {
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    const stop = await call(feedUrl(sim, 'subscriptions/stop', { contentType: 'Audit.SharePoint' }), token, {
      method: 'POST',
    });
    expect(stop.status).toBe(200);
    expect(stop.text).toBe('');
    expect(sim.subscriptions(TENANT)[0].status).toBe('disabled');
    const content = await call(
      feedUrl(sim, 'subscriptions/content', { contentType: 'Audit.SharePoint' }),
      token,
    );
    expect(errorCodeOf(content)).toBe('AF20022');
    const stopAgain = await call(
      feedUrl(sim, 'subscriptions/stop', { contentType: 'Audit.SharePoint' }),
      token,
      { method: 'POST' },
    );
    expect(errorCodeOf(stopAgain)).toBe('AF20022');
  });

  it('answers AF20023 to start and listing after an admin disabled the subscription', async () => {
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    sim.disableSubscriptionByAdmin(TENANT, 'Audit.SharePoint');
    const start = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    expect(errorCodeOf(start)).toBe('AF20023');
    const content = await call(
      feedUrl(sim, 'subscriptions/content', { contentType: 'Audit.SharePoint' }),
      token,
    );
    expect(errorCodeOf(content)).toBe('AF20023');
  });

  describe('authorization', () => {
    it('answers 401 without a bearer token, with a tampered token and with a Graph token', async () => {
      expect((await call(feedUrl(sim, 'subscriptions/list'), undefined)).status).toBe(401);
      const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      expect((await call(feedUrl(sim, 'subscriptions/list'), tampered)).status).toBe(401);
      const graphToken = await tokenFor(sim, 'graph');
      const answer = await call(feedUrl(sim, 'subscriptions/list'), graphToken);
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('audience');
    });

    it('answers 401 once the token has expired by the clock', async () => {
      now = new Date(now.getTime() + 3600 * 1000);
      const answer = await call(feedUrl(sim, 'subscriptions/list'), token);
      expect(answer.status).toBe(401);
      expect(answer.text).toContain('expired');
    });

    it("answers AF20010 when the token's tenant is not the tenant in the URL", async () => {
      const otherToken = await tokenFor(sim, 'api', OTHER_TENANT, OTHER_CLIENT, 'other-secret');
      const answer = await call(feedUrl(sim, 'subscriptions/list'), otherToken);
      expect(errorCodeOf(answer)).toBe('AF20010');
    });

    it('answers AF20013 when the tenant in the URL is not a GUID', async () => {
      const answer = await call(feedUrl(sim, 'subscriptions/list', {}, 'contoso'), token);
      expect(errorCodeOf(answer)).toBe('AF20013');
    });

    it('puts a Date header from the simulated clock on every answer', async () => {
      const answer = await call(feedUrl(sim, 'subscriptions/list'), token);
      expect(answer.headers.get('date')).toBe(now.toUTCString());
      const denied = await call(feedUrl(sim, 'subscriptions/list'), undefined);
      expect(denied.headers.get('date')).toBe(now.toUTCString());
    });
  });
});
