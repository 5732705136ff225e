/**
 * One maintenance pass over every served tenant (the tenant directory's enabled tenants) and content
 * type: keep subscriptions alive, backfill gaps, check the credential's expiry, and alert in time when
 * any of that keeps failing or a poison message waits. Used by the timer function and by the operator
 * CLI alike. Tenants run in parallel, MAINTENANCE_CONCURRENCY at a time (tenantPool.ts); the timer
 * gives each a deadline and the run a budget, and the order rotates from run to run, so a slow or
 * hanging tenant cannot starve the others. A failure is isolated to its tenant (listing
 * subscriptions, auth, its deadline) or to its tenant × content type (a backfill), logged with its
 * reason and reported; it never stops the others. A tenant whose subscriptions cannot be listed gets
 * no backfill that run: its API is not answering, and the next run catches up from the checkpoint.
 */
import type { Alert } from '../alerts/model';
import type { AppConfig, TenantConfig } from '../config/settings';
import type { ContentType } from '../contentTypes';
import type { Logger } from '../log';
import { ManagementApiError, TokenAcquisitionError } from '../managementApi';
import type { SecretExpiryReport } from '../secrets/expiryWatch';
import { SecretRejectedError } from '../secrets/errors';
import { Backfiller, BackfillProgress, BackfillReport, BackfillStores, ContentLister } from './backfiller';
import { checkpointLagMinutes } from './backfillPlan';
import { describeError } from './describeError';
import {
  judgePair,
  judgePoisonDepth,
  pairHealthSchema,
  poisonEpisodeSchema,
  type PairObservation,
  type StepResult,
} from './maintenanceAlerts';
import { KeeperState, SubscriptionApi, SubscriptionKeeper, SubscriptionOutcome } from './subscriptionKeeper';
import { graceFor, nextStartAt, rotateFrom, runPerTenant, TenantDeadlineError } from './tenantPool';
import { z } from 'zod';

/** The parts of ReceiverServices a maintenance pass uses. */
export interface MaintenanceServices extends Omit<
  BackfillStores,
  'raiseAlert' | 'state' | 'ledger' | 'queue'
> {
  ledger: BackfillStores['ledger'] & { pruneFinishedBefore(cutoff: Date): Promise<number> };
  queue: BackfillStores['queue'] & { depth(): Promise<{ queued: number; poison: number }> };
  /** The record-Id logs of the cross-blob de-duplication; pruned with the ledger. */
  recordIdLog?: { pruneNotModifiedSince(cutoff: Date): Promise<number> };
  config: Pick<AppConfig, 'contentTypes' | 'webhook' | 'maintenance'>;
  /** The tenants served: the registry's enabled tenants (seeded from the settings). */
  directory: { list(): Promise<TenantConfig[]> };
  state: KeeperState;
  clientFor(tenant: TenantConfig): SubscriptionApi & ContentLister;
  expiryWatch: {
    check(tenant: TenantConfig): Promise<SecretExpiryReport>;
    settled(): Promise<void>;
  };
  raiseAlert(alert: Alert, logger?: Logger): Promise<void>;
  ensureStorage(): Promise<void>;
}

export type MaintenanceTask = 'subscriptions' | 'backfill' | 'secretExpiry' | 'ledgerPrune' | 'poisonQueue';

/** Ledger entries are kept a day longer than Microsoft keeps content, then deleted. */
export const LEDGER_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;
/** A record repeated within this time of its last sighting is suppressed; older record-Id logs go. */
export const RECORD_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface MaintenanceOptions {
  now?: Date;
  tenantIds?: readonly string[];
  contentTypes?: readonly ContentType[];
  tasks?: readonly MaintenanceTask[];
  /** Operator backfill from a given time instead of the checkpoint. */
  since?: Date;
  onBackfillProgress?(progress: BackfillProgress): void;
  /**
   * Per-tenant deadline (the timer's MAINTENANCE_TENANT_TIMEOUT_MS): the tenant's API calls are
   * aborted then and the rest of its work waits for the next run. None for operator commands.
   */
  tenantTimeoutMs?: number;
  /** The run's time budget (the timer's functionTimeout): no tenant is started that could not finish in it. */
  budgetMs?: number;
}

export interface TenantMaintenanceReport {
  tenantId: string;
  subscriptions?: SubscriptionOutcome[];
  subscriptionsError?: string;
  backfills: (BackfillReport | BackfillFailure)[];
  secretExpiry?: { daysLeft?: number; earliestExpiry?: string; alerts: number };
  secretExpiryError?: string;
  /** Set when the tenant's token was refused; the rest of its work was skipped. */
  authFailure?: string;
  /** Why the backfill was not run this time (its subscriptions could not be listed). */
  backfillSkipped?: string;
  /** Set when the tenant passed its deadline; what was left of its work was skipped. */
  timedOut?: string;
}

export interface BackfillFailure {
  tenantId: string;
  contentType: ContentType;
  error: string;
  /** AF20023 on listing: the administrator's disable, alerted on its own; not a maintenance failure. */
  disabledByAdmin?: boolean;
}

export interface MaintenanceReport {
  startedAt: string;
  tenants: TenantMaintenanceReport[];
  /** Number of failed items (a tenant's listing, a backfill, an expiry check, the ledger prune). */
  failures: number;
  /** Ledger entries deleted because their content is past Microsoft's retention. */
  ledgerPruned?: number;
  /** Messages waiting in the poison queue, as the run found them. */
  poisonDepth?: number;
  /** Tenants the run's budget left no time for; the next run starts with them. */
  notStarted: string[];
  /** Record-Id logs deleted because nothing was added to them within the de-duplication window. */
  recordLogsPruned?: number;
}

export const SECRET_REPORT_SCOPE = 'secretExpiryReport';
/** State scope of the maintenance-failure, checkpoint-lag and poison-queue episodes. */
export const MAINTENANCE_ALERT_SCOPE = 'maintenanceAlerts';
const POISON_EPISODE_KEY = 'poisonQueue';
/** State of the rotating order: the tenant the next whole run starts with. */
export const ROTATION_SCOPE = 'maintenanceOrder';
const ROTATION_KEY = 'next';
const rotationSchema = z.object({ startAt: z.string() });
/** Kept back from the budget for the work after the tenants (ledger prune, poison queue, alerts). */
const GLOBAL_WORK_RESERVE_MS = 30_000;
const ALL_TASKS: readonly MaintenanceTask[] = [
  'subscriptions',
  'backfill',
  'secretExpiry',
  'ledgerPrune',
  'poisonQueue',
];

/** A refused secret or a token Entra will not issue: trying the other content types is pointless. */
function isAuthFailure(error: unknown): boolean {
  if (error instanceof SecretRejectedError) return true;
  return error instanceof TokenAcquisitionError && !error.transient;
}

export async function runMaintenance(
  services: MaintenanceServices,
  logger: Logger,
  options: MaintenanceOptions = {},
): Promise<MaintenanceReport> {
  const startedAtMs = Date.now();
  const now = options.now ?? new Date();
  const tasks = new Set(options.tasks ?? ALL_TASKS);
  const wanted = options.tenantIds?.map((t) => t.toLowerCase());
  const contentTypes = services.config.contentTypes.filter(
    (ct) => !options.contentTypes || options.contentTypes.includes(ct),
  );
  await services.ensureStorage();
  const served = await services.directory.list();
  const tenants = served.filter((t) => !wanted || wanted.includes(t.tenantId));
  const wholeRun = !options.tenantIds;
  const ordered = rotateFrom(tenants, wholeRun ? await readRotation(services, logger) : undefined);
  const run: TenantRun = {
    services,
    workers: workersFor(services),
    logger,
    options,
    now,
    tasks,
    contentTypes,
  };

  const report: MaintenanceReport = {
    startedAt: now.toISOString(),
    tenants: [],
    failures: 0,
    notStarted: [],
  };
  const timeoutMs = options.tenantTimeoutMs;
  const outcomes = await runPerTenant(ordered, (tenant, signal) => maintainTenant(tenant, run, signal), {
    concurrency: services.config.maintenance.concurrency,
    tenantTimeoutMs: timeoutMs,
    // A tenant is started only if it can use its whole deadline and still leave time for the rest.
    startBefore:
      options.budgetMs === undefined
        ? undefined
        : startedAtMs +
          options.budgetMs -
          GLOBAL_WORK_RESERVE_MS -
          (timeoutMs === undefined ? 0 : timeoutMs + graceFor(timeoutMs)),
  });
  outcomes.forEach((outcome, i) => {
    const tenantId = ordered[i].tenantId;
    switch (outcome.status) {
      case 'done':
        report.tenants.push(outcome.value.report);
        report.failures += outcome.value.failures;
        return;
      case 'notStarted':
        report.notStarted.push(tenantId);
        report.failures += 1;
        return;
      case 'abandoned':
        report.tenants.push({ tenantId, backfills: [], timedOut: outcome.reason });
        report.failures += 1;
        logger.error('maintenance: tenant did not finish in time; left behind', {
          tenantId,
          reason: outcome.reason,
        });
        return;
      case 'failed':
        report.tenants.push({ tenantId, backfills: [], subscriptionsError: describeError(outcome.error) });
        report.failures += 1;
        logger.error('maintenance: tenant failed', { tenantId, reason: describeError(outcome.error) });
        return;
    }
  });
  if (report.notStarted.length > 0) {
    logger.warn('maintenance: the run budget left no time for some tenants; they go first next run', {
      notStarted: report.notStarted.length,
      tenantIds: report.notStarted.slice(0, 20),
    });
  }
  if (wholeRun) {
    await writeRotation(services, logger, nextStartAt(ordered, ordered.length - report.notStarted.length));
  }
  // Global work: only on a run over every tenant, as the timer does. A step that fails counts as a
  // failure and is tried again next run; it never stops the others.
  const globalStep = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work();
    } catch (error) {
      report.failures += 1;
      logger.warn(`could not ${what}; will try again next run`, { reason: describeError(error) });
      return undefined;
    }
  };
  if (tasks.has('ledgerPrune') && !options.tenantIds) {
    report.ledgerPruned = await globalStep('prune old ledger entries', () =>
      services.ledger.pruneFinishedBefore(new Date(now.getTime() - LEDGER_RETENTION_MS)),
    );
    const recordIdLog = services.recordIdLog;
    if (recordIdLog) {
      report.recordLogsPruned = await globalStep('prune old record-Id logs', () =>
        recordIdLog.pruneNotModifiedSince(new Date(now.getTime() - RECORD_DEDUPE_WINDOW_MS)),
      );
    }
  }
  if (tasks.has('poisonQueue') && !options.tenantIds) {
    report.poisonDepth = await globalStep('check the poison queue', () =>
      watchPoisonQueue(services, logger, now),
    );
  }
  // A refused token starts an expiry check of its own (AADSTS7000222 → critical alert): let it finish.
  await services.expiryWatch.settled();
  logger.info('maintenance run finished', {
    tenants: ordered.length,
    contentTypes: contentTypes.length,
    failures: report.failures,
    notStarted: report.notStarted.length,
    seconds: Math.round((Date.now() - startedAtMs) / 100) / 10,
  });
  return report;
}

async function readRotation(services: MaintenanceServices, logger: Logger): Promise<string | undefined> {
  try {
    return (await services.state.get(ROTATION_SCOPE, ROTATION_KEY, rotationSchema))?.startAt;
  } catch (error) {
    logger.warn('could not read where the tenant order starts; starting from the first tenant', {
      reason: describeError(error),
    });
    return undefined;
  }
}

async function writeRotation(
  services: MaintenanceServices,
  logger: Logger,
  startAt: string | undefined,
): Promise<void> {
  if (startAt === undefined) return;
  await services.state.set(ROTATION_SCOPE, ROTATION_KEY, { startAt }).catch((error: unknown) =>
    logger.warn('could not store where the next run starts; the order will not rotate this time', {
      reason: describeError(error),
    }),
  );
}

/** What one tenant's maintenance needs; shared by every tenant of a run. */
export interface TenantRun {
  services: MaintenanceServices;
  workers: { keeper: SubscriptionKeeper; backfiller: Backfiller };
  logger: Logger;
  options: MaintenanceOptions;
  now: Date;
  tasks: ReadonlySet<MaintenanceTask>;
  contentTypes: readonly ContentType[];
}

export function workersFor(services: MaintenanceServices): TenantRun['workers'] {
  const raiseAlert = (alert: Alert, log: Logger) => services.raiseAlert(alert, log);
  return {
    keeper: new SubscriptionKeeper({
      state: services.state,
      desired: { address: services.config.webhook.address, authId: services.config.webhook.authId },
      raiseAlert,
    }),
    backfiller: new Backfiller({
      checkpoints: services.checkpoints,
      ledger: services.ledger,
      queue: services.queue,
      state: services.state,
      raiseAlert,
    }),
  };
}

/**
 * One tenant's pass: subscriptions, backfill per content type, credential expiry, then its alerts.
 * `signal` is the tenant's deadline: it aborts the tenant's API calls, and the steps not yet done
 * are skipped and reported; the expiry check and the alert bookkeeping still run.
 */
export async function maintainTenant(
  tenant: TenantConfig,
  run: TenantRun,
  signal?: AbortSignal,
): Promise<{ report: TenantMaintenanceReport; failures: number }> {
  const { services, workers, logger, options, now, tasks, contentTypes } = run;
  const t: TenantMaintenanceReport = { tenantId: tenant.tenantId, backfills: [] };
  let failures = 0;
  const client = signal ? boundTo(services.clientFor(tenant), signal) : services.clientFor(tenant);
  const timedOut = (): boolean => {
    if (!signal?.aborted) return false;
    t.timedOut ??= describeError(signal.reason);
    return true;
  };
  const fail = (what: string, error: unknown, fields: Record<string, unknown> = {}): string => {
    const reason = describeError(error);
    failures++;
    logger.error(`maintenance: ${what} failed`, { tenantId: tenant.tenantId, ...fields, reason });
    if (isAuthFailure(error)) t.authFailure ??= reason;
    if (error instanceof TenantDeadlineError) t.timedOut ??= reason;
    return reason;
  };

  if (tasks.has('subscriptions')) {
    try {
      t.subscriptions = await workers.keeper.ensure(tenant, client, contentTypes, { now, logger });
      failures += t.subscriptions.filter((o) => o.result === 'failed').length;
    } catch (error) {
      t.subscriptionsError = fail('keeping subscriptions', error);
    }
  }
  if (tasks.has('backfill') && t.subscriptionsError !== undefined && !t.authFailure && !t.timedOut) {
    // The tenant's API did not answer a listing: its backfill would most likely fail the same way,
    // five times over. The checkpoint stays where it is, and the next run catches up.
    t.backfillSkipped = `subscriptions could not be listed: ${t.subscriptionsError}`;
    logger.warn('maintenance: backfill skipped this run; the subscriptions could not be listed', {
      tenantId: tenant.tenantId,
      reason: t.subscriptionsError,
    });
  }
  if (tasks.has('backfill') && !t.authFailure && !t.backfillSkipped) {
    for (const contentType of contentTypes) {
      if (timedOut()) break;
      const held = t.subscriptions?.find(
        (o) => o.contentType === contentType && o.result === 'disabledByAdmin',
      );
      if (held) {
        logger.warn('maintenance: backfill skipped; the subscription is disabled by an administrator', {
          tenantId: tenant.tenantId,
          contentType,
        });
        continue;
      }
      try {
        t.backfills.push(
          await workers.backfiller.run(tenant, client, contentType, {
            now,
            lookbackHours: services.config.maintenance.backfillLookbackHours,
            since: options.since,
            onProgress: options.onBackfillProgress,
            logger,
          }),
        );
      } catch (error) {
        if (error instanceof ManagementApiError && error.classification === 'disabledByAdmin') {
          // The docs name AF20023 without saying which call answers it: a listing may say it first.
          await workers.keeper.noteDisabledByAdmin(tenant, contentType, error, { now, logger });
          logger.warn('maintenance: backfill stopped; the subscription is disabled by an administrator', {
            tenantId: tenant.tenantId,
            contentType,
            code: error.code,
          });
          t.backfills.push({
            tenantId: tenant.tenantId,
            contentType,
            error: describeError(error),
            disabledByAdmin: true,
          });
          continue;
        }
        t.backfills.push({
          tenantId: tenant.tenantId,
          contentType,
          error: fail('backfill', error, { contentType }),
        });
        if (t.authFailure || timedOut()) break;
      }
    }
  }
  if (tasks.has('secretExpiry')) {
    try {
      const expiry = await services.expiryWatch.check(tenant);
      t.secretExpiry = {
        daysLeft: expiry.daysLeft,
        earliestExpiry: expiry.earliestExpiry?.toISOString(),
        alerts: expiry.alerts.length,
      };
      await services.state
        .set(SECRET_REPORT_SCOPE, tenant.tenantId, { ...t.secretExpiry, checkedAt: now.toISOString() })
        .catch((e: unknown) =>
          logger.warn('could not store the expiry report for health', {
            tenantId: tenant.tenantId,
            reason: describeError(e),
          }),
        );
    } catch (error) {
      t.secretExpiryError = fail('secret expiry check', error);
    }
  }
  if (t.timedOut) {
    logger.error('maintenance: tenant passed its deadline; the rest of its work waits for the next run', {
      tenantId: tenant.tenantId,
      reason: t.timedOut,
    });
  }
  for (const contentType of contentTypes) {
    const seen = await observe(t, contentType, run);
    await judgeAndAlert(tenant, contentType, seen, run).catch((e: unknown) =>
      logger.warn('could not judge maintenance alerts; will try again next run', {
        tenantId: tenant.tenantId,
        contentType,
        reason: describeError(e),
      }),
    );
  }
  return { report: t, failures };
}

/** The tenant's client with every call tied to its deadline. */
function boundTo(
  api: SubscriptionApi & ContentLister,
  abortSignal: AbortSignal,
): SubscriptionApi & ContentLister {
  return {
    listSubscriptions: () => api.listSubscriptions({ abortSignal }),
    startSubscription: (contentType, options) =>
      api.startSubscription(contentType, { ...options, abortSignal }),
    listContent: (contentType, window) => api.listContent(contentType, window, { abortSignal }),
  };
}

/** What this run saw of one content type, for the failure and lag episodes. */
async function observe(
  t: TenantMaintenanceReport,
  contentType: ContentType,
  { services, tasks, now }: TenantRun,
): Promise<PairObservation> {
  const seen: PairObservation = {};
  if (tasks.has('subscriptions')) {
    const outcome = t.subscriptions?.find((o) => o.contentType === contentType);
    if (t.subscriptionsError !== undefined) seen.subscription = failed(t.subscriptionsError);
    else if (outcome?.result === 'failed') seen.subscription = failed(outcome.reason);
    else if (outcome) seen.subscription = { ok: true };
  }
  if (tasks.has('backfill')) {
    const backfill = t.backfills.find((b) => b.contentType === contentType);
    if (backfill === undefined) {
      // Not run: an admin's disable and a failed listing are reported on their own (the listing
      // counts as the subscription step's failure); auth and the deadline stopped it.
      const stoppedBy = t.authFailure ?? (t.backfillSkipped ? undefined : t.timedOut);
      if (stoppedBy !== undefined) seen.backfill = failed(stoppedBy);
    } else if ('error' in backfill) {
      if (!backfill.disabledByAdmin) seen.backfill = failed(backfill.error);
    } else {
      seen.backfill = { ok: true };
    }
    if (seen.backfill || t.backfillSkipped) {
      const checkpoint =
        seen.backfill?.ok && backfill && 'checkpoint' in backfill
          ? backfill.checkpoint
          : (await services.checkpoints.get(t.tenantId, contentType))?.lastContentCreatedEnd;
      seen.lagMinutes = checkpointLagMinutes(checkpoint ? new Date(checkpoint) : undefined, now);
    }
  }
  return seen;
}

const failed = (reason: string): StepResult => ({ ok: false, reason });

async function judgeAndAlert(
  tenant: TenantConfig,
  contentType: ContentType,
  seen: PairObservation,
  { services, logger, now }: TenantRun,
): Promise<void> {
  if (seen.subscription === undefined && seen.backfill === undefined) return;
  const key = `${tenant.tenantId}|${contentType}`;
  const previous = (await services.state.get(MAINTENANCE_ALERT_SCOPE, key, pairHealthSchema)) ?? {};
  const policy = {
    failureRuns: services.config.maintenance.failureAlertRuns,
    checkpointLagMinutes: services.config.maintenance.checkpointLagAlertMinutes,
  };
  const { next, alerts } = judgePair(previous, seen, { contentType, policy, now });
  if (JSON.stringify(next) !== JSON.stringify(previous)) {
    await services.state.set(MAINTENANCE_ALERT_SCOPE, key, next);
  }
  for (const alert of alerts) await services.raiseAlert({ ...alert, tenantId: tenant.tenantId }, logger);
}

async function watchPoisonQueue(services: MaintenanceServices, logger: Logger, now: Date): Promise<number> {
  const { poison } = await services.queue.depth();
  // A closed episode is stored as null: the state slice the timer holds can replace but not delete.
  const previous =
    (await services.state.get(MAINTENANCE_ALERT_SCOPE, POISON_EPISODE_KEY, poisonEpisodeSchema.nullable())) ??
    undefined;
  const { next, alert } = judgePoisonDepth(previous, poison, now);
  if (JSON.stringify(next) !== JSON.stringify(previous)) {
    await services.state.set(MAINTENANCE_ALERT_SCOPE, POISON_EPISODE_KEY, next ?? null);
  }
  if (alert) await services.raiseAlert(alert, logger);
  return poison;
}
