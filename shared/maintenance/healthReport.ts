/**
 * What the health endpoint reports, per tenant × content type: subscription and webhook status (read
 * live from /subscriptions/list), last notification, last backfill, checkpoint lag, and the days left
 * on the client secret as the last maintenance run found them. Never a secret value.
 */
import { z } from 'zod';
import { credentialOf, type AppConfig, type CredentialKind, type TenantConfig } from '../config/settings';
import type { ContentType } from '../contentTypes';
import type { OperationOptions, Subscription } from '../managementApi';
import type { CheckpointActivity } from '../state/checkpoints';
import type { LedgerSummary } from '../state/contentLedger';
import { checkpointLagMinutes } from './backfillPlan';
import { describeError } from './describeError';
import type { KeeperState } from './subscriptionKeeper';
import { SECRET_REPORT_SCOPE } from './runMaintenance';
import { runPerTenant } from './tenantPool';

export interface HealthSources {
  config: Pick<AppConfig, 'contentTypes' | 'webhook'> & {
    maintenance: Pick<AppConfig['maintenance'], 'concurrency'>;
  };
  /** The tenants served (the registry's enabled tenants). */
  directory: { list(): Promise<TenantConfig[]> };
  clientFor(tenant: TenantConfig): { listSubscriptions(options?: OperationOptions): Promise<Subscription[]> };
  checkpoints: { listActivity(): Promise<CheckpointActivity[]> };
  state: KeeperState;
  queue?: { depth(): Promise<{ queued: number; poison: number }> };
  ledger?: { summarize(tenantId: string, since: Date): Promise<LedgerSummary[]> };
  /** The configured sinks; each answers one cheap check (a container read, an authenticate call). */
  sinks?: readonly { name: string; checkHealth(): Promise<{ ok: boolean; detail: string }> }[];
}

export interface SinkHealthReport {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ContentTypeHealth {
  contentType: ContentType;
  subscription: string;
  webhook: string;
  webhookAddress?: string;
  lastNotificationAt?: string;
  lastBackfillAt?: string;
  checkpoint?: string;
  checkpointLagMinutes?: number;
  /** Blobs finished and records held back as repeats of another blob's, over the last 24 hours. */
  last24h?: { blobsCompleted: number; blobsLost: number; suppressedRecords: number };
}

export interface TenantHealth {
  tenantId: string;
  displayName?: string;
  /** How the app signs in for this tenant. */
  credential: CredentialKind;
  /** When that credential expires, as last checked; "none" for a federated credential (nothing to renew). */
  credentialExpiresOn?: string;
  secretDaysLeft?: number;
  secretExpiresOn?: string;
  secretCheckedAt?: string;
  subscriptionsError?: string;
  ledgerError?: string;
  contentTypes: ContentTypeHealth[];
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  generatedAt: string;
  problems: string[];
  queue?: { queued: number; poison: number };
  queueError?: string;
  sinks?: SinkHealthReport[];
  tenants: TenantHealth[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Lag past which backfill is considered behind (two default timer periods plus slack). */
export const CHECKPOINT_LAG_WARN_MINUTES = 60;
/**
 * How long one tenant's subscription listing may take in a health report: tenants are read
 * MAINTENANCE_CONCURRENCY at a time and an HTTP answer must come within 230 s, so a hanging tenant
 * is reported as such rather than holding the report.
 */
export const HEALTH_TENANT_TIMEOUT_MS = 20_000;

const secretReportSchema = z.object({
  daysLeft: z.number().optional(),
  earliestExpiry: z.string().optional(),
  checkedAt: z.string().optional(),
});

async function checkSink(sink: NonNullable<HealthSources['sinks']>[number]): Promise<SinkHealthReport> {
  try {
    return { name: sink.name, ...(await sink.checkHealth()) };
  } catch (e) {
    return { name: sink.name, ok: false, detail: `health check failed: ${describeError(e)}` };
  }
}

export async function buildHealthReport(
  sources: HealthSources,
  now: Date,
  options: { tenantTimeoutMs?: number } = {},
): Promise<HealthReport> {
  const problems: string[] = [];
  const report: HealthReport = { status: 'ok', generatedAt: now.toISOString(), problems, tenants: [] };
  let activity: CheckpointActivity[] = [];
  try {
    activity = await sources.checkpoints.listActivity();
  } catch (e) {
    problems.push(`checkpoints unreadable: ${describeError(e)}`);
  }
  if (sources.queue) {
    try {
      report.queue = await sources.queue.depth();
      if (report.queue.poison > 0) problems.push(`${report.queue.poison} message(s) in the poison queue`);
    } catch (e) {
      report.queueError = describeError(e);
      problems.push(`queue unreadable: ${report.queueError}`);
    }
  }

  if (sources.sinks) {
    report.sinks = await Promise.all(sources.sinks.map(checkSink));
    for (const sink of report.sinks) if (!sink.ok) problems.push(`sink ${sink.name}: ${sink.detail}`);
  }

  const tenants = await sources.directory.list();
  const timeoutMs = options.tenantTimeoutMs ?? HEALTH_TENANT_TIMEOUT_MS;
  const outcomes = await runPerTenant(
    tenants,
    async (tenant) => {
      const problemsOf: string[] = [];
      const th = await tenantHealth(tenant, sources, activity, now, problemsOf, timeoutMs);
      return { th, problemsOf };
    },
    { concurrency: sources.config.maintenance.concurrency },
  );
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'done') {
      report.tenants.push(outcome.value.th);
      problems.push(...outcome.value.problemsOf);
    } else {
      const reason = outcome.status === 'failed' ? describeError(outcome.error) : outcome.status;
      problems.push(`${tenants[i].tenantId}: health unreadable: ${reason}`);
    }
  });
  report.status = problems.length === 0 ? 'ok' : 'degraded';
  return report;
}

async function tenantHealth(
  tenant: TenantConfig,
  sources: HealthSources,
  activity: readonly CheckpointActivity[],
  now: Date,
  problems: string[],
  timeoutMs: number,
): Promise<TenantHealth> {
  const credential = credentialOf(tenant).kind;
  const th: TenantHealth = {
    tenantId: tenant.tenantId,
    displayName: tenant.displayName,
    credential,
    credentialExpiresOn: credential === 'federated' ? 'none' : undefined,
    contentTypes: [],
  };
  let subscriptions: Subscription[] | undefined;
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`no answer within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  try {
    subscriptions = await sources.clientFor(tenant).listSubscriptions({ abortSignal: deadline.signal });
  } catch (e) {
    th.subscriptionsError = describeError(e);
    problems.push(`${tenant.tenantId}: subscriptions unreadable: ${th.subscriptionsError}`);
  } finally {
    clearTimeout(timer);
  }
  const secret = await sources.state
    .get(SECRET_REPORT_SCOPE, tenant.tenantId, secretReportSchema)
    .catch(() => undefined);
  if (secret) {
    th.secretDaysLeft = secret.daysLeft === undefined ? undefined : Math.floor(secret.daysLeft * 10) / 10;
    th.secretExpiresOn = secret.earliestExpiry;
    th.credentialExpiresOn ??= secret.earliestExpiry;
    th.secretCheckedAt = secret.checkedAt;
    if (secret.daysLeft !== undefined && secret.daysLeft <= 7) {
      const noun = credential === 'certificate' ? 'certificate' : 'client secret';
      problems.push(`${tenant.tenantId}: ${noun} expires in ${th.secretDaysLeft} day(s)`);
    }
  }
  let finished: LedgerSummary[] | undefined;
  if (sources.ledger) {
    try {
      finished = await sources.ledger.summarize(tenant.tenantId, new Date(now.getTime() - DAY_MS));
    } catch (e) {
      th.ledgerError = describeError(e);
      problems.push(`${tenant.tenantId}: ledger unreadable: ${th.ledgerError}`);
    }
  }
  for (const contentType of sources.config.contentTypes) {
    const sub = subscriptions?.find((s) => s.contentType === contentType);
    const seen = activity.find((a) => a.tenantId === tenant.tenantId && a.contentType === contentType);
    const checkpoint = seen?.lastContentCreatedEnd;
    const lag = checkpointLagMinutes(checkpoint ? new Date(checkpoint) : undefined, now);
    const ct: ContentTypeHealth = {
      contentType,
      subscription: subscriptions ? (sub?.status ?? 'missing') : 'unknown',
      webhook: subscriptions ? (sub?.webhook?.status ?? 'none') : 'unknown',
      webhookAddress: sub?.webhook?.address,
      lastNotificationAt: seen?.lastNotificationAt,
      lastBackfillAt: seen?.lastBackfillAt,
      checkpoint,
      checkpointLagMinutes: lag,
    };
    if (finished) {
      const f = finished.find((x) => x.contentType === contentType);
      ct.last24h = {
        blobsCompleted: f?.completed ?? 0,
        blobsLost: f?.lost ?? 0,
        suppressedRecords: f?.suppressedRecords ?? 0,
      };
    }
    th.contentTypes.push(ct);
    const where = `${tenant.tenantId}/${contentType}`;
    if (subscriptions && ct.subscription !== 'enabled')
      problems.push(`${where}: subscription ${ct.subscription}`);
    if (subscriptions && sources.config.webhook.address && ct.webhook !== 'enabled') {
      problems.push(`${where}: webhook ${ct.webhook}`);
    }
    if (lag !== undefined && lag > CHECKPOINT_LAG_WARN_MINUTES)
      problems.push(`${where}: backfill ${lag} minutes behind`);
  }
  return th;
}
