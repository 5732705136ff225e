/**
 * Runs timer-triggered functions on their six-field NCRONTAB schedule (UTC), or on demand.
 * Like the Functions host: no run at start-up, and a run that would overlap the previous one of the
 * same function is skipped (Azure holds a singleton lock per timer function).
 */
import type { Timer } from '@azure/functions';
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { TimerFunctionDefinition } from '../../functions/definition';
import type { Logger } from '../../shared/log';
import { createInvocationContext, errorMessage, type InvocationTracker } from './invocation';

export class TimerScheduleError extends Error {
  override readonly name = 'TimerScheduleError';
}

// setTimeout cannot wait longer than this; longer waits are re-armed.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
// A scheduled run that starts later than this after its occurrence is reported as past due.
const PAST_DUE_AFTER_MS = 1000;

/** Parses a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}). */
export function parseSchedule(functionName: string, schedule: string): CronExpression {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new TimerScheduleError(
      `Timer function "${functionName}" has schedule "${schedule}": NCRONTAB needs six fields ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  }
  try {
    return CronExpressionParser.parse(schedule, { tz: 'UTC' });
  } catch (error) {
    throw new TimerScheduleError(
      `Timer function "${functionName}" has an invalid schedule "${schedule}": ${errorMessage(error)}`,
    );
  }
}

export function nextOccurrence(functionName: string, schedule: string, after: Date): Date {
  parseSchedule(functionName, schedule);
  return CronExpressionParser.parse(schedule, { tz: 'UTC', currentDate: after }).next().toDate();
}

export class TimerSchedule {
  private running: Promise<void> | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private stopped = false;
  private last: Date | undefined;

  constructor(
    private readonly definition: TimerFunctionDefinition,
    private readonly logger: Logger,
    private readonly tracker: InvocationTracker,
  ) {
    parseSchedule(definition.name, definition.schedule);
  }

  get name(): string {
    return this.definition.name;
  }

  /** Arms the schedule; the first run is the next occurrence after now, never at start-up. */
  start(): void {
    this.arm(new Date());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timeout);
  }

  /** Runs once now (after any run in progress); rejects with the handler's error. */
  async trigger(): Promise<void> {
    while (this.running) await this.running;
    await this.invoke(new Date(), false);
  }

  private arm(after: Date): void {
    if (this.stopped) return;
    const due = nextOccurrence(this.name, this.definition.schedule, after);
    const wait = (ms: number) => {
      this.timeout = setTimeout(
        () => {
          const left = due.getTime() - Date.now();
          if (left > 0) return wait(left);
          this.onDue(due);
        },
        Math.min(ms, MAX_TIMEOUT_MS),
      );
    };
    wait(due.getTime() - Date.now());
  }

  private onDue(due: Date): void {
    if (this.running) {
      this.logger.warn('local host: timer run skipped, the previous run is still going', {
        functionName: this.name,
        occurrence: due.toISOString(),
      });
    } else {
      const pastDue = Date.now() - due.getTime() > PAST_DUE_AFTER_MS;
      this.invoke(due, pastDue).catch(() => undefined);
    }
    // After a late run (e.g. a blocked event loop) resume from now instead of replaying every missed occurrence.
    this.arm(new Date(Math.max(due.getTime(), Date.now())));
  }

  private invoke(occurrence: Date, isPastDue: boolean): Promise<void> {
    const now = new Date();
    const timer: Timer = {
      isPastDue,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (this.last ?? occurrence).toISOString(),
        next: nextOccurrence(this.name, this.definition.schedule, now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    this.last = occurrence;
    const context = createInvocationContext(this.name, 'timerTrigger', this.logger);
    const run = this.tracker
      .track(this.name, () => this.definition.handler(timer, context))
      .catch((error: unknown) => {
        this.logger.error('local host: timer function failed', {
          functionName: this.name,
          invocationId: context.invocationId,
          error: errorMessage(error),
        });
        throw error;
      });
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    void this.running.then(() => {
      this.running = undefined;
    });
    return run;
  }
}
