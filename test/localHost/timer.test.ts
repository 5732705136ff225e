import type { InvocationContext, Timer } from '@azure/functions';
import type { FunctionDefinition } from '../../functions/definition';
import { startLocalHost, type LocalHost } from '../../local/host';
import { TimerScheduleError } from '../../local/host/timerSchedule';
import { memoryLogger } from '../../shared/log';
import { deferred, eventually, unusedStorage } from './harness';

describe('local host timer trigger', () => {
  const hosts: LocalHost[] = [];
  afterAll(() => Promise.all(hosts.map((h) => h.stop())));

  async function start(definitions: FunctionDefinition[], timers: 'schedule' | 'manual') {
    const logger = memoryLogger();
    const host = await startLocalHost(definitions, {
      storageConnectionString: unusedStorage,
      logger,
      timers,
    });
    hosts.push(host);
    return { host, logger };
  }

  it('runs a timer once on triggerTimer with a Timer object, and never on start-up', async () => {
    const runs: { timer: Timer; context: InvocationContext }[] = [];
    const { host } = await start(
      [
        {
          kind: 'timer',
          name: 'keeper',
          schedule: '0 0 0 1 1 *',
          handler: async (timer, context) => void runs.push({ timer, context }),
        },
      ],
      'schedule',
    );
    expect(runs).toHaveLength(0);
    await host.triggerTimer('keeper');
    expect(runs).toHaveLength(1);
    const { timer, context } = runs[0];
    expect(timer.isPastDue).toBe(false);
    expect(timer.schedule.adjustForDST).toBe(false);
    const next = new Date(timer.scheduleStatus.next);
    expect([next.getUTCMonth(), next.getUTCDate(), next.getUTCHours()]).toEqual([0, 1, 0]);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(context.functionName).toBe('keeper');
    expect(host.stats().invocations.keeper).toEqual({ succeeded: 1, failed: 0 });
  });

  it('rejects triggerTimer with the handler error and counts the failure', async () => {
    const { host, logger } = await start(
      [
        {
          kind: 'timer',
          name: 'failing',
          schedule: '0 0 * * * *',
          handler: async () => Promise.reject(new Error('timer broke')),
        },
      ],
      'manual',
    );
    await expect(host.triggerTimer('failing')).rejects.toThrow('timer broke');
    expect(host.stats().invocations.failing).toEqual({ succeeded: 0, failed: 1 });
    expect(logger.lines.some((l) => l.level === 'error' && l.line.includes('timer broke'))).toBe(true);
  });

  it('rejects triggerTimer for a name that is not a timer function', async () => {
    const { host } = await start([], 'manual');
    await expect(host.triggerTimer('missing')).rejects.toThrow('No timer function is named "missing"');
  });

  it('runs a timer on its schedule when timers are scheduled', async () => {
    let runs = 0;
    const { host } = await start(
      [{ kind: 'timer', name: 'everySecond', schedule: '* * * * * *', handler: async () => void runs++ }],
      'schedule',
    );
    await eventually(() => runs >= 1);
    expect(host.stats().invocations.everySecond.succeeded).toBeGreaterThanOrEqual(1);
  });

  it('does not run timers on their schedule in manual mode', async () => {
    let manualRuns = 0;
    let scheduledRuns = 0;
    const { host } = await start(
      [
        {
          kind: 'timer',
          name: 'manualOnly',
          schedule: '* * * * * *',
          handler: async () => void manualRuns++,
        },
      ],
      'manual',
    );
    // A scheduled companion proves time passed for at least one occurrence.
    const { host: witness } = await start(
      [
        {
          kind: 'timer',
          name: 'witness',
          schedule: '* * * * * *',
          handler: async () => void scheduledRuns++,
        },
      ],
      'schedule',
    );
    await eventually(() => scheduledRuns >= 2);
    expect(manualRuns).toBe(0);
    expect(host.stats().invocations.manualOnly).toBeUndefined();
    expect(witness.stats().invocations.witness.succeeded).toBeGreaterThanOrEqual(2);
  });

  it('skips a scheduled run while the previous run of the same timer is still going', async () => {
    const release = deferred();
    let runs = 0;
    const { host, logger } = await start(
      [
        {
          kind: 'timer',
          name: 'slowTimer',
          schedule: '* * * * * *',
          handler: async () => {
            runs++;
            await release.promise;
          },
        },
      ],
      'schedule',
    );
    await eventually(() => logger.lines.some((l) => l.line.includes('timer run skipped')));
    expect(runs).toBe(1);
    release.resolve();
    await host.stop();
  });

  it('stop() waits for a running timer invocation', async () => {
    const started = deferred();
    const release = deferred();
    let finished = false;
    const { host } = await start(
      [
        {
          kind: 'timer',
          name: 'longRun',
          schedule: '0 0 0 * * *',
          handler: async () => {
            started.resolve();
            await release.promise;
            finished = true;
          },
        },
      ],
      'manual',
    );
    const run = host.triggerTimer('longRun');
    await started.promise;
    let stopped = false;
    const stopping = host.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(finished).toBe(true);
    await run;
  });

  it('refuses to start with a schedule that is not six-field NCRONTAB', async () => {
    const definitions: FunctionDefinition[] = [
      { kind: 'timer', name: 'fiveFields', schedule: '*/5 * * * *', handler: async () => undefined },
    ];
    await expect(
      startLocalHost(definitions, { storageConnectionString: unusedStorage, timers: 'manual' }),
    ).rejects.toThrow(TimerScheduleError);
  });
});
