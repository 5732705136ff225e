/** The per-tenant pool on its own: bounded concurrency, deadlines, the run budget, and the rotating order. */
import {
  nextStartAt,
  rotateFrom,
  runPerTenant,
  TenantDeadlineError,
} from '../../shared/maintenance/tenantPool';

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ tenantId: `t${String(i).padStart(3, '0')}` }));

describe('runPerTenant', () => {
  it('works on at most `concurrency` tenants at once and returns outcomes in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const outcomes = await runPerTenant(
      ids(20),
      async (t) => {
        most = Math.max(most, ++inFlight);
        await tick(2);
        inFlight--;
        return t.tenantId;
      },
      { concurrency: 4 },
    );
    expect(most).toBe(4);
    expect(outcomes).toEqual(ids(20).map((t) => ({ status: 'done', value: t.tenantId })));
  });

  it('aborts a tenant at its deadline with a reason, while the others finish', async () => {
    const outcomes = await runPerTenant(
      ids(3),
      (t, signal) =>
        t.tenantId !== 't001'
          ? Promise.resolve('ok')
          : new Promise<string>((resolve) =>
              signal.addEventListener('abort', () => resolve(`stopped: ${(signal.reason as Error).message}`)),
            ),
      { concurrency: 3, tenantTimeoutMs: 20 },
    );
    expect(outcomes[0]).toEqual({ status: 'done', value: 'ok' });
    expect(outcomes[1]).toEqual({
      status: 'done',
      value: expect.stringMatching(/^stopped: tenant maintenance passed its 20 ms deadline/),
    });
    expect(outcomes[2]).toEqual({ status: 'done', value: 'ok' });
  });

  it('stops waiting for a tenant that ignores its deadline, after the grace', async () => {
    const never = new Promise<string>(() => undefined);
    const outcomes = await runPerTenant(
      ids(2),
      (t) => (t.tenantId === 't000' ? never : Promise.resolve('ok')),
      {
        concurrency: 1,
        tenantTimeoutMs: 10,
        graceMs: 10,
      },
    );
    expect(outcomes).toEqual([
      { status: 'abandoned', reason: new TenantDeadlineError(10).message },
      { status: 'done', value: 'ok' },
    ]);
  });

  it('reports a tenant whose work throws, without stopping the others', async () => {
    const outcomes = await runPerTenant(
      ids(2),
      async (t) => {
        if (t.tenantId === 't000') throw new Error('boom');
        return 'ok';
      },
      { concurrency: 1 },
    );
    expect(outcomes).toEqual([
      { status: 'failed', error: new Error('boom') },
      { status: 'done', value: 'ok' },
    ]);
  });

  it('starts no tenant after the budget allows, leaving the rest not started', async () => {
    let now = 0;
    const outcomes = await runPerTenant(
      ids(5),
      async () => {
        now += 10;
        return 'ok';
      },
      { concurrency: 1, startBefore: 25, clock: () => now },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'done', 'notStarted', 'notStarted']);
  });
});

describe('the rotating order', () => {
  const tenants = [{ tenantId: 'c' }, { tenantId: 'a' }, { tenantId: 'd' }, { tenantId: 'b' }];
  const order = (startAt?: string) => rotateFrom(tenants, startAt).map((t) => t.tenantId);

  it('sorts by tenant id and starts at the remembered tenant, wrapping around', () => {
    expect(order()).toEqual(['a', 'b', 'c', 'd']);
    expect(order('c')).toEqual(['c', 'd', 'a', 'b']);
  });

  it('starts at the next tenant when the remembered one was removed', () => {
    expect(order('bb')).toEqual(['c', 'd', 'a', 'b']);
    expect(order('zz')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('moves the head one further after a complete run, and to the first skipped tenant otherwise', () => {
    const ordered = rotateFrom(tenants, 'c');
    expect(nextStartAt(ordered, 4)).toBe('d');
    expect(nextStartAt(ordered, 2)).toBe('a');
    expect(nextStartAt([], 0)).toBeUndefined();
  });
});
