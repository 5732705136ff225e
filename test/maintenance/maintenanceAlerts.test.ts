import {
  judgePair,
  judgePoisonDepth,
  type PairHealth,
  type PairObservation,
} from '../../shared/maintenance/maintenanceAlerts';

const NOW = new Date('2024-05-10T12:00:00.000Z');
const context = {
  contentType: 'Audit.General' as const,
  policy: { failureRuns: 3, checkpointLagMinutes: 120 },
};
const failedRun: PairObservation = { backfill: { ok: false, reason: 'HTTP 500' } };

function runs(observations: PairObservation[], start: PairHealth = {}) {
  let state = start;
  const kinds: string[] = [];
  observations.forEach((seen, i) => {
    const at = new Date(NOW.getTime() + i * 15 * 60_000);
    const { next, alerts } = judgePair(state, seen, { ...context, now: at });
    state = next;
    kinds.push(...alerts.map((a) => a.kind));
  });
  return { state, kinds };
}

describe('judgePair', () => {
  it('forgets failures that a success interrupts before the threshold, with no alert either way', () => {
    const { state, kinds } = runs([failedRun, failedRun, { backfill: { ok: true } }, failedRun, failedRun]);
    expect(kinds).toEqual([]);
    expect(state.backfill).toMatchObject({ failures: 2, lastReason: 'HTTP 500' });
  });

  it('alerts on the Nth consecutive failure only, and recovers once', () => {
    const { kinds } = runs([failedRun, failedRun, failedRun, failedRun, { backfill: { ok: true } }, {}]);
    expect(kinds).toEqual(['maintenanceFailing', 'maintenanceRecovered']);
  });

  it('leaves a streak alone on runs that did not try the step', () => {
    const { state, kinds } = runs([failedRun, {}, { subscription: { ok: true } }, failedRun, failedRun]);
    expect(kinds).toEqual(['maintenanceFailing']);
    expect(state.backfill?.failures).toBe(3);
  });

  it('alerts lag above the threshold, not at it, once per episode', () => {
    const { kinds } = runs([
      { backfill: { ok: true }, lagMinutes: 120 },
      { backfill: { ok: false, reason: 'x' }, lagMinutes: 121 },
      { backfill: { ok: false, reason: 'x' }, lagMinutes: 136 },
      { backfill: { ok: true }, lagMinutes: 0 },
      { backfill: { ok: true }, lagMinutes: 0 },
    ]);
    expect(kinds).toEqual(['checkpointLagging', 'checkpointCaughtUp']);
  });
});

describe('judgePoisonDepth', () => {
  it('alerts a rise from the lowest depth seen since, so new messages after a partial replay alert too', () => {
    let episode: ReturnType<typeof judgePoisonDepth>['next'];
    const alerted: (number | undefined)[] = [];
    for (const depth of [0, 2, 2, 1, 2, 0, 0]) {
      const judged = judgePoisonDepth(episode, depth, NOW);
      episode = judged.next;
      alerted.push(judged.alert ? depth : undefined);
      if (judged.alert?.kind === 'poisonQueueDrained') alerted[alerted.length - 1] = -1;
    }
    expect(alerted).toEqual([undefined, 2, undefined, undefined, 2, -1, undefined]);
  });
});
