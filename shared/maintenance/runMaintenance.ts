/**
 * One maintenance pass over every configured tenant and content type: keep subscriptions alive,
 * backfill gaps, check the client secret's expiry. Used by the timer function and by the operator
 * CLI alike. A failure is isolated to its tenant (listing subscriptions, auth) or to its tenant ×
 * content type (a backfill), logged with its reason and reported; it never stops the others.
 */
import type { Alert } from '../alerts/model';
import type { AppConfig, TenantConfig } from '../config/settings';
import type { ContentType } from '../contentTypes';
import type { Logger } from '../log';
import { TokenAcquisitionError } from '../managementApi';
import type { SecretExpiryReport } from '../secrets/expiryWatch';
import { SecretRejectedError } from '../secrets/errors';
import { Backfiller, BackfillProgress, BackfillReport, BackfillStores, ContentLister } from './backfiller';
import { describeError } from './describeError';
import { KeeperState, SubscriptionApi, SubscriptionKeeper, SubscriptionOutcome } from './subscriptionKeeper';

/** The parts of ReceiverServices a maintenance pass uses. */
export interface MaintenanceServices extends Omit<BackfillStores, 'raiseAlert' | 'state' | 'ledger'> {
  ledger: BackfillStores['ledger'] & { pruneFinishedBefore(cutoff: Date): Promise<number> };
  /** The record-Id logs of the cross-blob de-duplication; pruned with the ledger. */
  recordIdLog?: { pruneNotModifiedSince(cutoff: Date): Promise<number> };
  config: Pick<AppConfig, 'tenants' | 'contentTypes' | 'webhook' | 'maintenance'>;
  state: KeeperState;
  clientFor(tenant: TenantConfig): SubscriptionApi & ContentLister;
  expiryWatch: {
    check(tenant: TenantConfig): Promise<SecretExpiryReport>;
    settled(): Promise<void>;
  };
  raiseAlert(alert: Alert, logger?: Logger): Promise<void>;
  ensureStorage(): Promise<void>;
}

export type MaintenanceTask = 'subscriptions' | 'backfill' | 'secretExpiry' | 'ledgerPrune';

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
}

export interface TenantMaintenanceReport {
  tenantId: string;
  subscriptions?: SubscriptionOutcome[];
  subscriptionsError?: string;
  backfills: (BackfillReport | { tenantId: string; contentType: ContentType; error: string })[];
  secretExpiry?: { daysLeft?: number; earliestExpiry?: string; alerts: number };
  secretExpiryError?: string;
  /** Set when the tenant's token was refused; the rest of its work was skipped. */
  authFailure?: string;
}

export interface MaintenanceReport {
  startedAt: string;
  tenants: TenantMaintenanceReport[];
  /** Number of failed items (a tenant's listing, a backfill, an expiry check, the ledger prune). */
  failures: number;
  /** Ledger entries deleted because their content is past Microsoft's retention. */
  ledgerPruned?: number;
  /** Record-Id logs deleted because nothing was added to them within the de-duplication window. */
  recordLogsPruned?: number;
}

export const SECRET_REPORT_SCOPE = 'secretExpiryReport';
const ALL_TASKS: readonly MaintenanceTask[] = ['subscriptions', 'backfill', 'secretExpiry', 'ledgerPrune'];

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
  const now = options.now ?? new Date();
  const tasks = new Set(options.tasks ?? ALL_TASKS);
  const wanted = options.tenantIds?.map((t) => t.toLowerCase());
  const tenants = services.config.tenants.filter((t) => !wanted || wanted.includes(t.tenantId));
  const contentTypes = services.config.contentTypes.filter(
    (ct) => !options.contentTypes || options.contentTypes.includes(ct),
  );
  await services.ensureStorage();
  const raiseAlert = (alert: Alert, log: Logger) => services.raiseAlert(alert, log);
  const keeper = new SubscriptionKeeper({
    state: services.state,
    desired: { address: services.config.webhook.address, authId: services.config.webhook.authId },
    raiseAlert,
  });
  const backfiller = new Backfiller({
    checkpoints: services.checkpoints,
    ledger: services.ledger,
    queue: services.queue,
    state: services.state,
    raiseAlert,
  });

  const report: MaintenanceReport = { startedAt: now.toISOString(), tenants: [], failures: 0 };
  for (const tenant of tenants) {
    const t: TenantMaintenanceReport = { tenantId: tenant.tenantId, backfills: [] };
    report.tenants.push(t);
    const client = services.clientFor(tenant);
    const fail = (what: string, error: unknown, fields: Record<string, unknown> = {}): string => {
      const reason = describeError(error);
      report.failures++;
      logger.error(`maintenance: ${what} failed`, { tenantId: tenant.tenantId, ...fields, reason });
      if (isAuthFailure(error)) t.authFailure ??= reason;
      return reason;
    };

    if (tasks.has('subscriptions')) {
      try {
        t.subscriptions = await keeper.ensure(tenant, client, contentTypes, { now, logger });
        report.failures += t.subscriptions.filter((o) => o.result === 'failed').length;
      } catch (error) {
        t.subscriptionsError = fail('keeping subscriptions', error);
      }
    }
    if (tasks.has('backfill') && !t.authFailure) {
      for (const contentType of contentTypes) {
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
            await backfiller.run(tenant, client, contentType, {
              now,
              lookbackHours: services.config.maintenance.backfillLookbackHours,
              since: options.since,
              onProgress: options.onBackfillProgress,
              logger,
            }),
          );
        } catch (error) {
          t.backfills.push({
            tenantId: tenant.tenantId,
            contentType,
            error: fail('backfill', error, { contentType }),
          });
          if (t.authFailure) break;
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
  }
  if (tasks.has('ledgerPrune') && !options.tenantIds) {
    try {
      report.ledgerPruned = await services.ledger.pruneFinishedBefore(
        new Date(now.getTime() - LEDGER_RETENTION_MS),
      );
    } catch (error) {
      report.failures += 1;
      logger.warn('could not prune old ledger entries; will try again next run', {
        reason: describeError(error),
      });
    }
    if (services.recordIdLog) {
      try {
        report.recordLogsPruned = await services.recordIdLog.pruneNotModifiedSince(
          new Date(now.getTime() - RECORD_DEDUPE_WINDOW_MS),
        );
      } catch (error) {
        report.failures += 1;
        logger.warn('could not prune old record-Id logs; will try again next run', {
          reason: describeError(error),
        });
      }
    }
  }
  // A refused token starts an expiry check of its own (AADSTS7000222 → critical alert): let it finish.
  await services.expiryWatch.settled();
  logger.info('maintenance run finished', {
    tenants: tenants.length,
    contentTypes: contentTypes.length,
    failures: report.failures,
  });
  return report;
}
