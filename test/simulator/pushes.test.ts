import type { NotificationItem, Simulator, SimulatorOptions } from '../../local/simulator';
import {
  CLIENT,
  TENANT,
  call,
  feedUrl,
  notificationPosts,
  startReceiver,
  startTestSimulator,
  startWebhook,
  tokenFor,
  type WebhookReceiver,
} from './harness';

describe('simulated notification pushes', () => {
  let sim: Simulator;
  let receiver: WebhookReceiver;
  let token: string;

  async function begin(overrides: Partial<SimulatorOptions> = {}, withWebhook = true) {
    sim = await startTestSimulator(overrides);
    receiver = await startReceiver();
    token = await tokenFor(sim);
    if (withWebhook) {
      const answer = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'auth-id-1');
      expect(answer.status).toBe(200);
    }
  }
  afterEach(async () => {
    await sim.stop();
    await receiver.close();
  });

  const pushedIds = () =>
    notificationPosts(receiver).flatMap((p) =>
      (JSON.parse(p.body) as NotificationItem[]).map((i) => i.contentId),
    );

  it('pushes published content in batches of notificationBatchSize with the documented headers and fields', async () => {
    await begin({ notificationBatchSize: 4 });
    const published = sim.generateAndPublish(TENANT, 'Audit.SharePoint', { blobs: 10, recordsPerBlob: 1 });
    await sim.whenIdle();
    const posts = notificationPosts(receiver);
    expect(posts.map((p) => (JSON.parse(p.body) as unknown[]).length)).toEqual([4, 4, 2]);
    expect(pushedIds()).toEqual(published.map((p) => p.contentId));
    expect(posts[0].headers['content-type']).toBe('application/json; utf-8');
    expect(posts[0].headers['webhook-authid']).toBe('auth-id-1');
    const first = (JSON.parse(posts[0].body) as NotificationItem[])[0];
    expect(first).toEqual({
      tenantId: TENANT,
      clientId: CLIENT,
      contentType: 'Audit.SharePoint',
      contentId: published[0].contentId,
      contentUri: published[0].contentUri,
      contentCreated: published[0].contentCreated,
      contentExpiration: published[0].contentExpiration,
    });
    expect(sim.deliveries).toHaveLength(3);
    expect(sim.deliveries.every((d) => d.statusCode === 200 && d.attempt === 1)).toBe(true);
  });

  it('retries a failed delivery (any status but 200) and then succeeds', async () => {
    await begin();
    receiver.answers.push(500, 202);
    const published = sim.publishContent(TENANT, 'Audit.SharePoint', [{ Id: 'x' }]);
    await sim.whenIdle();
    expect(sim.deliveries.map((d) => [d.attempt, d.statusCode])).toEqual([
      [1, 500],
      [2, 202],
      [3, 200],
    ]);
    expect(pushedIds()).toEqual([published.contentId, published.contentId, published.contentId]);
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('enabled');
  });

  it('disables the webhook after consecutive failures and pushes nothing more until /start; lost pushes stay lost', async () => {
    await begin({ push: { retryDelaysMs: [1, 1, 1, 1, 1, 1], disableAfterFailures: 3 } });
    receiver.fallback = 503;
    const dropped = sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(3);
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('disabled');

    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(3);

    receiver.fallback = 200;
    expect((await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'auth-id-1')).status).toBe(200);
    const fresh = sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    const delivered = sim.deliveries
      .filter((d) => d.statusCode === 200)
      .flatMap((d) => d.items.map((i) => i.contentId));
    expect(delivered).toEqual([fresh.contentId]);
    expect(delivered).not.toContain(dropped.contentId);
  });

  it('gives up on a batch after its retries without disabling when the threshold is higher', async () => {
    await begin({ push: { retryDelaysMs: [1], disableAfterFailures: 10 } });
    receiver.answers.push(500, 500);
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries.map((d) => d.statusCode)).toEqual([500, 500]);
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('enabled');
  });

  it('records a connection failure as a delivery error', async () => {
    await begin({ push: { retryDelaysMs: [], disableAfterFailures: 5 } });
    await receiver.close();
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(1);
    expect(sim.deliveries[0].error).toBeDefined();
    expect(sim.deliveries[0].statusCode).toBeUndefined();
  });

  it('pushes nothing without a webhook or when notify is false', async () => {
    await begin({}, false);
    await call(feedUrl(sim, 'subscriptions/start', { contentType: 'Audit.SharePoint' }), token, {
      method: 'POST',
    });
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(0);
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}], { notify: false });
    sim.generateAndPublish(TENANT, 'Audit.SharePoint', { blobs: 2, recordsPerBlob: 1, notify: false });
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(0);
  });

  it('does not push to a webhook disabled by hand or a stopped subscription', async () => {
    await begin();
    sim.setWebhookState(TENANT, 'Audit.SharePoint', 'disabled');
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(0);
    expect((await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'auth-id-1')).status).toBe(200);
    await call(feedUrl(sim, 'subscriptions/stop', { contentType: 'Audit.SharePoint' }), token, {
      method: 'POST',
    });
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(0);
  });

  it('does not push automatically when autoPush is off, but notifyAgain still pushes', async () => {
    await begin({ push: { autoPush: false } });
    const published = sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    await sim.whenIdle();
    expect(sim.deliveries).toHaveLength(0);
    sim.notifyAgain([published]);
    await sim.whenIdle();
    expect(pushedIds()).toEqual([published.contentId]);
  });

  it('sends duplicates on demand with notifyAgain, and never sends dropped ones', async () => {
    await begin();
    const [a, b] = sim.generateAndPublish(TENANT, 'Audit.SharePoint', {
      blobs: 2,
      recordsPerBlob: 1,
      notify: false,
    });
    sim.notifyAgain([a, b]);
    sim.notifyAgain([a]);
    await sim.whenIdle();
    expect(pushedIds().sort()).toEqual([a.contentId, a.contentId, b.contentId].sort());

    const c = sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    sim.dropNotifications([c]);
    sim.notifyAgain([c]);
    await sim.whenIdle();
    expect(pushedIds()).not.toContain(c.contentId);
  });

  it('lists pushes in /subscriptions/notifications with notificationSent and notificationStatus', async () => {
    await begin({ push: { retryDelaysMs: [1], disableAfterFailures: 10 } });
    receiver.answers.push(500);
    const published = sim.publishContent(TENANT, 'Audit.SharePoint', [{}], {
      createdAt: new Date(Date.now() - 60_000),
    });
    await sim.whenIdle();
    const answer = await call(
      feedUrl(sim, 'subscriptions/notifications', { contentType: 'Audit.SharePoint' }),
      token,
    );
    expect(answer.status).toBe(200);
    const items = answer.json as {
      contentId: string;
      notificationStatus: string;
      notificationSent: string;
    }[];
    expect(items.map((i) => [i.contentId, i.notificationStatus])).toEqual([
      [published.contentId, 'failed'],
      [published.contentId, 'success'],
    ]);
    expect(Number.isNaN(Date.parse(items[0].notificationSent))).toBe(false);
  });

  it('whenIdle resolves at once when nothing is pending, and stop cancels pending retries', async () => {
    await begin({ push: { retryDelaysMs: [60_000], disableAfterFailures: 10 } });
    await sim.whenIdle();
    receiver.fallback = 500;
    sim.publishContent(TENANT, 'Audit.SharePoint', [{}]);
    const idle = sim.whenIdle();
    while (sim.deliveries.length === 0) await new Promise((r) => setTimeout(r, 5));
    await sim.stop();
    await idle;
    expect(sim.deliveries).toHaveLength(1);
  });
});
