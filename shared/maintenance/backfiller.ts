/**
 * Fills gaps that push left (dropped or late notifications, a disabled webhook, a receiver that was
 * down): lists the content created since the checkpoint in windows of at most 24 h, following every
 * next-page link, and enqueues each blob the ledger has not finished onto the queue the webhook feeds.
 * The checkpoint moves to a window's end only after all of that window's blobs were enqueued, so a
 * failure part-way re-lists the window next run (the ledger and the fetch function absorb repeats).
 */
import { z } from 'zod';
import type { Alert } from '../alerts/model';
import type { TenantConfig } from '../config/settings';
import type { ContentMessage } from '../contentMessage';
import type { ContentType } from '../contentTypes';
import type { Logger } from '../log';
import {
  formatWindowTime,
  ManagementApiError,
  type AvailableContent,
  type OperationOptions,
  type TimeWindow,
} from '../managementApi';
import type { KeeperState } from './subscriptionKeeper';
import { BackfillPlan, HOUR_MS, planBackfillWindows, RETENTION_LIMIT_MS } from './backfillPlan';

/**
 * The listing's order is "as aggregations become available", not by contentCreated, and
 * notifications are known to lag: each run lists the last hour before the checkpoint again and
 * lets the ledger drop what is already done.
 */
export const RELIST_OVERLAP_MS = HOUR_MS;

export interface ContentLister {
  listContent(
    contentType: ContentType,
    window: TimeWindow,
    options?: OperationOptions,
  ): { byPage(): AsyncIterableIterator<AvailableContent[]> };
}

export interface BackfillStores {
  checkpoints: {
    get(tenantId: string, contentType: ContentType): Promise<{ lastContentCreatedEnd: string } | undefined>;
    advance(tenantId: string, contentType: ContentType, windowEnd: Date): Promise<void>;
    recordBackfillRun(tenantId: string, contentType: ContentType, at: Date): Promise<void>;
  };
  ledger: { filterNotDone(tenantId: string, contentIds: readonly string[]): Promise<string[]> };
  queue: { enqueue(messages: readonly ContentMessage[]): Promise<void> };
  state: KeeperState;
  raiseAlert(alert: Alert, logger: Logger): Promise<void>;
}

export interface BackfillProgress {
  tenantId: string;
  contentType: ContentType;
  windowIndex: number;
  windowCount: number;
  window: TimeWindow;
  found: number;
  enqueued: number;
  /** Totals over the windows done so far in this run. */
  totalFound: number;
  totalEnqueued: number;
}

export interface BackfillOptions {
  now: Date;
  lookbackHours: number;
  /** Operator override: start here instead of at the checkpoint (the checkpoint never moves back). */
  since?: Date;
  onProgress?(progress: BackfillProgress): void;
  logger: Logger;
}

export interface BackfillReport {
  tenantId: string;
  contentType: ContentType;
  windows: number;
  found: number;
  enqueued: number;
  /** The checkpoint after the run (ISO), if any. */
  checkpoint?: string;
  lost?: { startTime: string; endTime: string };
  /** Set when the plan was redone with the server's clock after a refused window. */
  clockSkewMs?: number;
  /** Set when a window was refused by a server that sent no Date header (see planAfterRefusal). */
  serverClockUnknown?: boolean;
}

export const GAP_ALERT_SCOPE = 'backfillGap';
const WINDOW_CODES = new Set(['AF20030', 'AF20055']);
/**
 * Microsoft does not document a Date header on a refused window. Without one the server's clock is
 * unknown, and the only thing known is that it counts our start as more than 7 days back: the plan is
 * redone from the answer's arrival time this much further inside the 7 days. The skipped edge is
 * alerted as lost; its blobs would expire within hours anyway.
 */
export const UNKNOWN_CLOCK_MARGIN_MS = 6 * HOUR_MS;

export class Backfiller {
  constructor(private readonly stores: BackfillStores) {}

  async run(
    tenant: TenantConfig,
    lister: ContentLister,
    contentType: ContentType,
    options: BackfillOptions,
  ): Promise<BackfillReport> {
    const { logger } = options;
    const tenantId = tenant.tenantId;
    const stored = await this.stores.checkpoints.get(tenantId, contentType);
    const checkpoint = stored ? new Date(stored.lastContentCreatedEnd) : undefined;
    const report: BackfillReport = { tenantId, contentType, windows: 0, found: 0, enqueued: 0 };

    let plan = this.plan(checkpoint, options.now, options);
    if (plan.lost) await this.alertLost(tenant, contentType, plan.lost, logger);
    let skewRetried = false;
    for (let i = 0; i < plan.windows.length; i++) {
      const window = plan.windows[i];
      let counts: { found: number; enqueued: number };
      try {
        counts = await this.fillWindow(tenant, lister, contentType, window);
      } catch (error) {
        // The client already retried once with the skew it measured; if the server still refuses the
        // window, plan again in the server's own clock (once), which is what its 7 days are counted in.
        const refusal = windowRefusal(error);
        if (refusal && !skewRetried) {
          skewRetried = true;
          const serverNow = refusal.serverDate ?? refusal.receivedAt;
          if (refusal.serverDate) report.clockSkewMs = serverNow.getTime() - options.now.getTime();
          else report.serverClockUnknown = true;
          logger.warn(
            refusal.serverDate
              ? 'listing window refused; planning again with the server clock'
              : 'listing window refused by a server that sent no Date header; planning again further inside the 7 days',
            { tenantId, contentType, code: refusal.code, clockSkewMs: report.clockSkewMs },
          );
          const reached = await this.stores.checkpoints.get(tenantId, contentType);
          const from = reached ? new Date(reached.lastContentCreatedEnd) : undefined;
          const margin = refusal.serverDate ? 0 : UNKNOWN_CLOCK_MARGIN_MS;
          plan = this.plan(from, serverNow, options, margin);
          if (plan.lost) await this.alertLost(tenant, contentType, plan.lost, logger);
          i = -1;
          continue;
        }
        throw error;
      }
      await this.stores.checkpoints.advance(tenantId, contentType, window.endTime);
      report.windows++;
      report.found += counts.found;
      report.enqueued += counts.enqueued;
      options.onProgress?.({
        tenantId,
        contentType,
        windowIndex: i + 1,
        windowCount: plan.windows.length,
        window,
        ...counts,
        totalFound: report.found,
        totalEnqueued: report.enqueued,
      });
    }
    if (plan.lost)
      report.lost = {
        startTime: plan.lost.startTime.toISOString(),
        endTime: plan.lost.endTime.toISOString(),
      };
    await this.stores.checkpoints.recordBackfillRun(tenantId, contentType, options.now);
    report.checkpoint = (await this.stores.checkpoints.get(tenantId, contentType))?.lastContentCreatedEnd;
    logger.info('backfill done', { ...report });
    return report;
  }

  private plan(
    checkpoint: Date | undefined,
    now: Date,
    options: BackfillOptions,
    extraMarginMs = 0,
  ): BackfillPlan {
    const retentionLimitMs = RETENTION_LIMIT_MS - extraMarginMs;
    if (options.since) {
      // An operator's --since is a request, not a promise kept: reaching past retention is clamped.
      const hours = (now.getTime() - options.since.getTime()) / HOUR_MS;
      return planBackfillWindows({ now, lookbackHours: hours, retentionLimitMs });
    }
    return planBackfillWindows({
      checkpoint,
      now,
      lookbackHours: options.lookbackHours,
      relistOverlapMs: RELIST_OVERLAP_MS,
      retentionLimitMs,
    });
  }

  private async fillWindow(
    tenant: TenantConfig,
    lister: ContentLister,
    contentType: ContentType,
    window: TimeWindow,
  ): Promise<{ found: number; enqueued: number }> {
    const seen = new Set<string>();
    let found = 0;
    let enqueued = 0;
    for await (const page of lister.listContent(contentType, window).byPage()) {
      const fresh = page.filter((c) => !seen.has(c.contentId));
      fresh.forEach((c) => seen.add(c.contentId));
      found += fresh.length;
      if (fresh.length === 0) continue;
      const notDone = new Set(
        await this.stores.ledger.filterNotDone(
          tenant.tenantId,
          fresh.map((c) => c.contentId),
        ),
      );
      const enqueuedAt = new Date().toISOString();
      const messages: ContentMessage[] = fresh
        .filter((c) => notDone.has(c.contentId))
        .map((c) => ({
          tenantId: tenant.tenantId,
          clientId: tenant.clientId,
          contentType,
          contentId: c.contentId,
          contentUri: c.contentUri,
          contentCreated: c.contentCreated,
          contentExpiration: c.contentExpiration,
          source: 'backfill',
          enqueuedAt,
        }));
      await this.stores.queue.enqueue(messages);
      enqueued += messages.length;
    }
    return { found, enqueued };
  }

  /** Alerts a lost window once, however many runs see it. */
  private async alertLost(tenant: TenantConfig, contentType: ContentType, lost: TimeWindow, logger: Logger) {
    const key = `${tenant.tenantId}|${contentType}|${lost.startTime.toISOString()}`;
    if (await this.stores.state.get(GAP_ALERT_SCOPE, key, z.string())) return;
    await this.stores.raiseAlert(
      {
        severity: 'error',
        kind: 'backfillGapLost',
        tenantId: tenant.tenantId,
        message:
          `${contentType} content created from ${formatWindowTime(lost.startTime)}Z to ${formatWindowTime(lost.endTime)}Z ` +
          'can no longer be listed (the API keeps 7 days); any blob from then that was not received is lost',
        details: { contentType, lostFrom: lost.startTime.toISOString(), lostTo: lost.endTime.toISOString() },
      },
      logger,
    );
    await this.stores.state.set(GAP_ALERT_SCOPE, key, new Date().toISOString());
  }
}

/** A listing window the server refused, with whatever clock reading its answer came with. */
function windowRefusal(error: unknown): { code: string; serverDate?: Date; receivedAt: Date } | undefined {
  if (!(error instanceof ManagementApiError)) return undefined;
  if (!error.code || !WINDOW_CODES.has(error.code.toUpperCase())) return undefined;
  const receivedAt = error.serverDate ?? error.receivedAt;
  if (!receivedAt) return undefined;
  return { code: error.code, serverDate: error.serverDate, receivedAt };
}
