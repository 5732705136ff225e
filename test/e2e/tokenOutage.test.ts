/**
 * Issue 9, done when: with the token endpoint down for a while (answering 503), content keeps being
 * put off as delayed copies, which cost no dequeue count, and is written once Entra is back; nothing
 * reaches the poison queue. The outage is 15 s here rather than two minutes: what matters is that
 * each failed try is a deferral, not a dequeue (two dequeues would poison a blob in this rig). With
 * the production settings (first deferral 5 s, doubling, six deferrals) a blob rides out about four
 * minutes of outage before it touches its dequeue count.
 */
import { generateRecords } from '../../local/simulator';
import { startReceiverRig, TENANT, type ReceiverRig } from '../../local/receiverRig';
import { countsOf, eventIdsOf, quickQueues, sinkLines } from './support';

const OUTAGE_MS = 15_000;
let rig: ReceiverRig;

beforeAll(async () => {
  rig = await startReceiverRig({
    // Tokens that expire within the clients' 5-minute refresh margin are never reused, so every
    // fetch asks the token endpoint.
    simulator: { tokenLifetimeSeconds: 240 },
    clientOptions: { maxAttempts: 1 },
    hostJson: quickQueues(2),
    deferralBaseSeconds: 1,
  });
}, 30_000);

afterAll(async () => {
  await rig?.stop();
});

it('rides out a token endpoint answering 503, with nothing in the poison queue afterwards', async () => {
  rig.sim.faults.add({ operation: 'token', kind: 'http-503', durationMs: OUTAGE_MS });
  const published = [0, 1, 2].map((i) =>
    rig.sim.publishContent(
      TENANT,
      'Audit.General',
      generateRecords('Audit.General', 4, { seed: 9400 + i, tenantId: TENANT }),
    ),
  );
  await rig.sim.whenIdle();
  await rig.host.whenQueuesIdle({ timeoutMs: 60_000 });

  expect(
    rig.sim.requests.filter((r) => r.operation === 'token' && r.statusCode === 503).length,
  ).toBeGreaterThan(0);
  const deferred = rig.outcomes.filter((o) => o.status === 'deferred');
  expect(deferred.length).toBeGreaterThan(0);
  expect(deferred.every((o) => o.status === 'deferred' && /access token/.test(o.reason))).toBe(true);
  expect(rig.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
  expect(await rig.services.queue.depth()).toEqual({ queued: 0, poison: 0 });

  const ids = eventIdsOf(
    await sinkLines(rig.azurite.connectionString, rig.services.config.names.eventsContainer),
  );
  expect([...countsOf(ids).values()].every((n) => n === 1)).toBe(true);
  expect(ids).toHaveLength(12);
  for (const p of published) {
    expect(await rig.services.ledger.get(TENANT, p.contentId)).toMatchObject({ status: 'completed' });
  }
}, 90_000);
