/**
 * Alerts that come in time when maintenance itself goes wrong, judged as pure functions of what is
 * remembered and what this run saw: a subscription start or a backfill that failed on N consecutive
 * runs, a checkpoint that fell behind, a poison queue that is not empty. Each condition is one
 * episode: alerted when it begins (and, for the poison queue, whenever more messages arrive), and
 * closed with an info record when it ends, so an operator sees both the trouble and its end.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/model';
import type { ContentType } from '../contentTypes';

export interface MaintenanceAlertPolicy {
  /** Consecutive failed runs of one step after which it is alerted (MAINTENANCE_ALERT_AFTER_RUNS). */
  failureRuns: number;
  /** Checkpoint lag past which backfill is alerted as behind (CHECKPOINT_LAG_ALERT_MINUTES). */
  checkpointLagMinutes: number;
}

export type MaintenanceStep = 'subscription' | 'backfill';

/** What one run saw for one step; absent when the step did not run (not asked, or held on purpose). */
export type StepResult = { ok: true } | { ok: false; reason: string };

export interface PairObservation {
  subscription?: StepResult;
  backfill?: StepResult;
  /** Minutes between the checkpoint and now after the backfill; absent when not measured. */
  lagMinutes?: number;
}

const streakSchema = z.object({
  failures: z.number().int().min(0),
  since: z.string().optional(),
  alertedAt: z.string().optional(),
  lastReason: z.string().optional(),
});
const lagSchema = z.object({ since: z.string(), minutes: z.number() });

export const pairHealthSchema = z.object({
  subscription: streakSchema.optional(),
  backfill: streakSchema.optional(),
  lag: lagSchema.optional(),
});
export type PairHealth = z.infer<typeof pairHealthSchema>;

/** An alert without its tenant, which the caller adds. */
export type PairAlert = Omit<Alert, 'tenantId'>;

const STEP_NAMES: Record<MaintenanceStep, string> = {
  subscription: 'keeping the subscription (list or start)',
  backfill: 'backfill',
};

function judgeStep(
  step: MaintenanceStep,
  previous: PairHealth[MaintenanceStep],
  seen: StepResult | undefined,
  context: { contentType: ContentType; policy: MaintenanceAlertPolicy; now: Date },
): { next: PairHealth[MaintenanceStep]; alert?: PairAlert } {
  if (seen === undefined) return { next: previous };
  const { contentType, policy, now } = context;
  if (seen.ok) {
    if (!previous?.alertedAt) return { next: undefined };
    return {
      next: undefined,
      alert: {
        severity: 'info',
        kind: 'maintenanceRecovered',
        message: `${STEP_NAMES[step]} for ${contentType} works again after ${previous.failures} failed run(s) since ${previous.since}`,
        details: { contentType, step, failedRuns: previous.failures, failingSince: previous.since },
      },
    };
  }
  const failures = (previous?.failures ?? 0) + 1;
  const next = {
    failures,
    since: previous?.since ?? now.toISOString(),
    alertedAt: previous?.alertedAt,
    lastReason: seen.reason,
  };
  if (failures < policy.failureRuns || next.alertedAt) return { next };
  next.alertedAt = now.toISOString();
  return {
    next,
    alert: {
      severity: 'error',
      kind: 'maintenanceFailing',
      message: `${STEP_NAMES[step]} for ${contentType} failed on ${failures} consecutive runs since ${next.since}: ${seen.reason}`,
      details: { contentType, step, failedRuns: failures, failingSince: next.since, lastError: seen.reason },
    },
  };
}

function judgeLag(
  previous: PairHealth['lag'],
  minutes: number | undefined,
  context: { contentType: ContentType; policy: MaintenanceAlertPolicy; now: Date },
): { next: PairHealth['lag']; alert?: PairAlert } {
  if (minutes === undefined) return { next: previous };
  const { contentType, policy, now } = context;
  const threshold = policy.checkpointLagMinutes;
  if (minutes > threshold) {
    if (previous) return { next: { ...previous, minutes } };
    return {
      next: { since: now.toISOString(), minutes },
      alert: {
        severity: 'error',
        kind: 'checkpointLagging',
        message: `backfill of ${contentType} is ${minutes} minutes behind (threshold ${threshold}); content past 7 days is lost for good`,
        details: { contentType, lagMinutes: minutes, thresholdMinutes: threshold },
      },
    };
  }
  if (!previous) return { next: undefined };
  return {
    next: undefined,
    alert: {
      severity: 'info',
      kind: 'checkpointCaughtUp',
      message: `backfill of ${contentType} has caught up (${minutes} minutes behind; it was behind since ${previous.since})`,
      details: { contentType, lagMinutes: minutes, behindSince: previous.since },
    },
  };
}

/** The next remembered state of one tenant × content type, and the alerts this run owes. */
export function judgePair(
  previous: PairHealth,
  seen: PairObservation,
  context: { contentType: ContentType; policy: MaintenanceAlertPolicy; now: Date },
): { next: PairHealth; alerts: PairAlert[] } {
  const subscription = judgeStep('subscription', previous.subscription, seen.subscription, context);
  const backfill = judgeStep('backfill', previous.backfill, seen.backfill, context);
  const lag = judgeLag(previous.lag, seen.lagMinutes, context);
  const next: PairHealth = {};
  if (subscription.next) next.subscription = subscription.next;
  if (backfill.next) next.backfill = backfill.next;
  if (lag.next) next.lag = lag.next;
  const alerts = [subscription.alert, backfill.alert, lag.alert].filter((a): a is PairAlert => !!a);
  return { next, alerts };
}

export const poisonEpisodeSchema = z.object({ since: z.string(), depth: z.number().int().min(0) });
export type PoisonEpisode = z.infer<typeof poisonEpisodeSchema>;

/**
 * Messages reach the poison queue from our handler's last try, but also from the host after a
 * timeout, a crash or running out of memory, where no code of ours runs: the depth is the one
 * signal that sees them all. A rise since the last run alerts again; back to zero closes the episode.
 */
export function judgePoisonDepth(
  previous: PoisonEpisode | undefined,
  depth: number,
  now: Date,
): { next: PoisonEpisode | undefined; alert?: Alert } {
  if (depth <= 0) {
    if (!previous) return { next: undefined };
    return {
      next: undefined,
      alert: {
        severity: 'info',
        kind: 'poisonQueueDrained',
        message: `the poison queue is empty again (it held messages since ${previous.since})`,
        details: { poisonSince: previous.since },
      },
    };
  }
  const next = { since: previous?.since ?? now.toISOString(), depth };
  if (previous && depth <= previous.depth) return { next };
  const added = depth - (previous?.depth ?? 0);
  return {
    next,
    alert: {
      severity: 'error',
      kind: 'poisonQueueNotEmpty',
      message: `${depth} message(s) wait in the poison queue (${added} new since the last check); their content is not in the sink until replayed (npm run cli -- replay-poison)`,
      details: { poisonDepth: depth, newMessages: added, poisonSince: next.since },
    },
  };
}
