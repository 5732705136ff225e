/**
 * The simulator's modes for answers Microsoft's documentation leaves open (local/simulator/README.md,
 * "What the documentation says"): each plays one of the possible answers, so the product can be
 * tested under all of them.
 */
import type { Simulator } from '../../local/simulator';
import {
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

describe('simulator modes for undocumented answers', () => {
  let sim: Simulator;
  let receiver: WebhookReceiver;
  let token: string;
  const now = new Date('2025-03-01T12:00:00Z');
  beforeEach(async () => {
    sim = await startTestSimulator({ clock: () => now });
    receiver = await startReceiver();
    token = await tokenFor(sim);
  });
  afterEach(async () => {
    await sim.stop();
    await receiver.close();
  });

  async function disabledWebhook(): Promise<void> {
    expect((await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id')).status).toBe(200);
    sim.setWebhookState(TENANT, 'Audit.SharePoint', 'disabled');
  }

  it('leaveDisabled: /start answers 200 and the webhook stays disabled', async () => {
    sim.setAnswers({ startOnDisabledWebhook: 'leaveDisabled' });
    await disabledWebhook();
    const answer = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ status: 'enabled', webhook: { status: 'disabled' } });
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('disabled');
  });

  it('alreadyEnabled: /start with the same webhook answers AF20024 and changes nothing', async () => {
    sim.setAnswers({ startOnDisabledWebhook: 'alreadyEnabled' });
    await disabledWebhook();
    const same = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'id');
    expect(same.status).toBe(400);
    expect(errorCodeOf(same)).toBe('AF20024');
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('disabled');
    // A real property change is still a change.
    expect((await startWebhook(sim, token, 'Audit.SharePoint', receiver.url, 'other')).status).toBe(200);
    expect(sim.subscriptions(TENANT)[0].webhook?.status).toBe('enabled');
  });

  it('unchanged: /start on an admin-disabled subscription answers 200 with it still disabled', async () => {
    sim.setAnswers({ startOnAdminDisabled: 'unchanged' });
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    sim.disableSubscriptionByAdmin(TENANT, 'Audit.SharePoint');
    const start = await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    expect(start.status).toBe(200);
    expect(start.json).toMatchObject({ contentType: 'Audit.SharePoint', status: 'disabled' });
    const content = await call(
      feedUrl(sim, 'subscriptions/content', { contentType: 'Audit.SharePoint' }),
      token,
    );
    expect(errorCodeOf(content)).toBe('AF20023');
  });

  it('dateHeader false: answers, refusals included, carry no Date header', async () => {
    sim.setAnswers({ dateHeader: false });
    const list = await call(feedUrl(sim, 'subscriptions/list'), token);
    expect(list.status).toBe(200);
    expect(list.headers.get('date')).toBeNull();
    await startWebhook(sim, token, 'Audit.SharePoint', receiver.url);
    const refused = await call(
      feedUrl(sim, 'subscriptions/content', {
        contentType: 'Audit.SharePoint',
        startTime: '2025-02-20T00:00:00',
        endTime: '2025-02-20T12:00:00',
      }),
      token,
    );
    expect(errorCodeOf(refused)).toBe('AF20030');
    expect(refused.headers.get('date')).toBeNull();
  });

  it('startSpacingRetryAfter false: a /start inside the spacing is AF429 without Retry-After', async () => {
    const spaced = await startTestSimulator({
      startSpacingMs: 15 * 60 * 1000,
      clock: () => now,
      answers: { startSpacingRetryAfter: false },
    });
    try {
      const t = await tokenFor(spaced);
      expect((await startWebhook(spaced, t, 'Audit.SharePoint', receiver.url, 'a')).status).toBe(200);
      const tooSoon = await startWebhook(spaced, t, 'Audit.SharePoint', receiver.url, 'b');
      expect(errorCodeOf(tooSoon)).toBe('AF429');
      expect(tooSoon.headers.get('retry-after')).toBeNull();
    } finally {
      await spaced.stop();
    }
  });
});
