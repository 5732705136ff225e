import type { Subscription } from '../../shared/managementApi';
import { parseSince, planBackfillWindows, RETENTION_LIMIT_MS } from '../../shared/maintenance/backfillPlan';
import { planSubscriptionAction, START_SPACING_MS } from '../../shared/maintenance/subscriptionPlan';

const NOW = new Date('2024-05-10T12:00:00.000Z');
const ADDRESS = 'https://receiver.example.net/api/webhook';
const sub = (status: string, webhook: Subscription['webhook']): Subscription => ({
  contentType: 'Audit.SharePoint',
  status,
  webhook,
});
const hook = (
  status: string,
  address = ADDRESS,
  authId: string | null = 'auth',
): Subscription['webhook'] => ({
  status,
  address,
  authId,
  expiration: null,
});
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

describe('planSubscriptionAction', () => {
  const desired = { address: ADDRESS, authId: 'auth' };
  it.each([
    ['a healthy subscription and webhook', sub('enabled', hook('enabled')), 'ok', undefined],
    ['a missing subscription', undefined, 'start', 'missing'],
    ['a disabled subscription', sub('disabled', hook('enabled')), 'start', 'subscriptionDisabled'],
    ['a webhook that reverted to null', sub('enabled', null), 'start', 'webhookMissing'],
    ['a webhook Microsoft disabled', sub('enabled', hook('disabled')), 'start', 'webhookDisabled'],
    ['an expired webhook', sub('enabled', hook('expired')), 'start', 'webhookExpired'],
    [
      'a webhook at another address',
      sub('enabled', hook('enabled', 'https://old.example.net/x')),
      'start',
      'webhookAddressChanged',
    ],
    [
      'a webhook with another auth id',
      sub('enabled', hook('enabled', ADDRESS, 'old')),
      'start',
      'webhookAuthIdChanged',
    ],
    [
      'a webhook address differing only by a trailing slash',
      sub('enabled', hook('enabled', `${ADDRESS}/`)),
      'ok',
      undefined,
    ],
  ])('%s → %s', (_name, current, action, reason) => {
    const plan = planSubscriptionAction(current, desired, { now: NOW });
    expect(plan.action).toBe(action);
    expect((plan as { reason?: string }).reason).toBe(reason);
  });

  it('waits for the 15-minute spacing after a recent start, then starts', () => {
    const broken = sub('enabled', hook('disabled'));
    const waiting = planSubscriptionAction(broken, desired, { now: NOW, lastStartAt: minutesAgo(5) });
    expect(waiting).toEqual({
      action: 'waitSpacing',
      reason: 'webhookDisabled',
      retryAt: new Date(minutesAgo(5).getTime() + START_SPACING_MS),
    });
    expect(planSubscriptionAction(broken, desired, { now: NOW, lastStartAt: minutesAgo(15) }).action).toBe(
      'start',
    );
  });

  it('holds an admin-disabled subscription for a day, then checks it again once', () => {
    const disabled = sub('disabled', null);
    expect(
      planSubscriptionAction(disabled, desired, { now: NOW, disabledByAdminAt: minutesAgo(60) }).action,
    ).toBe('heldDisabledByAdmin');
    expect(
      planSubscriptionAction(disabled, desired, { now: NOW, disabledByAdminAt: minutesAgo(25 * 60) }),
    ).toEqual({
      action: 'start',
      reason: 'disabledByAdminRecheck',
    });
  });

  it('in backfill-only mode starts missing subscriptions without judging an existing webhook', () => {
    expect(planSubscriptionAction(undefined, {}, { now: NOW })).toEqual({
      action: 'start',
      reason: 'missing',
    });
    expect(planSubscriptionAction(sub('enabled', hook('disabled')), {}, { now: NOW })).toEqual({
      action: 'ok',
      note: 'webhookLeftAlone',
    });
    expect(planSubscriptionAction(sub('enabled', null), {}, { now: NOW })).toEqual({ action: 'ok' });
  });
});

describe('planBackfillWindows', () => {
  const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);
  it.each([
    ['first run with a 24 h look-back', undefined, 24, [[24, 0]]],
    [
      'first run with a 30 h look-back',
      undefined,
      30,
      [
        [30, 6],
        [6, 0],
      ],
    ],
    ['a checkpoint 15 minutes old', hoursAgo(0.25), 24, [[0.25, 0]]],
    [
      'a checkpoint 50 hours old',
      hoursAgo(50),
      24,
      [
        [50, 26],
        [26, 2],
        [2, 0],
      ],
    ],
    ['a checkpoint at now', NOW, 24, []],
  ])('%s', (_name, checkpoint, lookbackHours, expected) => {
    const plan = planBackfillWindows({ checkpoint, now: NOW, lookbackHours });
    expect(plan.windows.map((w) => [w.startTime, w.endTime])).toEqual(
      expected.map(([s, e]) => [hoursAgo(s), hoursAgo(e)]),
    );
    expect(plan.lost).toBeUndefined();
  });

  it('makes windows contiguous whole seconds and never ends past now', () => {
    const now = new Date('2024-05-10T12:00:00.750Z');
    const plan = planBackfillWindows({
      checkpoint: new Date('2024-05-09T01:02:03.400Z'),
      now,
      lookbackHours: 24,
    });
    for (const w of plan.windows) {
      expect(w.startTime.getUTCMilliseconds()).toBe(0);
      expect(w.endTime.getUTCMilliseconds()).toBe(0);
      expect(w.endTime.getTime() - w.startTime.getTime()).toBeLessThanOrEqual(24 * 3600_000);
    }
    for (let i = 1; i < plan.windows.length; i++)
      expect(plan.windows[i].startTime).toEqual(plan.windows[i - 1].endTime);
    expect(plan.windows.at(-1)!.endTime).toEqual(new Date('2024-05-10T12:00:00.000Z'));
  });

  it('reports the window lost past retention when the checkpoint is older than 7 days', () => {
    const checkpoint = hoursAgo(9 * 24);
    const plan = planBackfillWindows({ checkpoint, now: NOW, lookbackHours: 24 });
    const earliest = new Date(NOW.getTime() - RETENTION_LIMIT_MS);
    expect(plan.lost).toEqual({ startTime: checkpoint, endTime: earliest });
    expect(plan.windows[0].startTime).toEqual(earliest);
    expect(plan.windows).toHaveLength(7);
  });

  it('lists again an overlap before the checkpoint, but never before retention or on a first run', () => {
    const overlap = 3600_000;
    const recent = planBackfillWindows({
      checkpoint: hoursAgo(2),
      now: NOW,
      lookbackHours: 24,
      relistOverlapMs: overlap,
    });
    expect(recent.windows).toEqual([{ startTime: hoursAgo(3), endTime: NOW }]);
    const edge = hoursAgo(7 * 24 - 1.5);
    const nearEdge = planBackfillWindows({
      checkpoint: edge,
      now: NOW,
      lookbackHours: 24,
      relistOverlapMs: overlap,
    });
    expect(nearEdge.windows[0].startTime).toEqual(new Date(NOW.getTime() - RETENTION_LIMIT_MS));
    expect(nearEdge.lost).toBeUndefined();
    const first = planBackfillWindows({ now: NOW, lookbackHours: 24, relistOverlapMs: overlap });
    expect(first.windows[0].startTime).toEqual(hoursAgo(24));
  });

  it('clamps a first-run look-back beyond retention without calling it lost', () => {
    const plan = planBackfillWindows({ checkpoint: undefined, now: NOW, lookbackHours: 200 });
    expect(plan.lost).toBeUndefined();
    expect(plan.windows[0].startTime).toEqual(new Date(NOW.getTime() - RETENTION_LIMIT_MS));
  });
});

describe('parseSince', () => {
  it.each([
    ['24h', hours(24)],
    ['3d', hours(72)],
    ['90m', hours(1.5)],
    ['2024-05-09T00:00:00Z', new Date('2024-05-09T00:00:00Z')],
  ])('reads %s', (text, expected) => expect(parseSince(text, NOW)).toEqual(expected));
  it.each(['yesterday', '0h', '5w', '2024-05-11T00:00:00Z', ''])('refuses "%s" with a reason', (text) => {
    expect(parseSince(text, NOW)).toEqual(expect.stringContaining('--since'));
  });
  function hours(h: number): Date {
    return new Date(NOW.getTime() - h * 3600_000);
  }
});
