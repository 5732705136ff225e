/**
 * Keeps one tenant's subscriptions alive: lists them once, plans each content type
 * (planSubscriptionAction) and calls /start where the plan says so, then checks what /start answered
 * instead of assuming the repair took. Remembers in the state table when it last started each pair
 * (the API wants 15 minutes between starts, refused starts included), when an administrator disabled
 * one (AF20023), and since when a repair has not taken, so each is alerted once per episode.
 */
import { z } from 'zod';
import type { Alert } from '../alerts/model';
import type { TenantConfig } from '../config/settings';
import type { ContentType } from '../contentTypes';
import type { Logger } from '../log';
import {
  ManagementApiError,
  type OperationOptions,
  type StartSubscriptionOptions,
  type Subscription,
} from '../managementApi';
import { describeError } from './describeError';
import { DesiredWebhook, planSubscriptionAction, StartReason, stillBroken } from './subscriptionPlan';

export interface SubscriptionApi {
  listSubscriptions(options?: OperationOptions): Promise<Subscription[]>;
  startSubscription(contentType: ContentType, options?: StartSubscriptionOptions): Promise<Subscription>;
}

/** The slice of StateStore the keeper needs. */
export interface KeeperState {
  get<T>(scope: string, key: string, schema: z.ZodType<T>): Promise<T | undefined>;
  set<T>(scope: string, key: string, value: T): Promise<void>;
}

export type SubscriptionOutcome =
  | { contentType: ContentType; result: 'ok'; subscription: Subscription }
  | { contentType: ContentType; result: 'started'; reason: StartReason; subscription: Subscription }
  | {
      contentType: ContentType;
      result: 'notRepaired';
      reason: StartReason;
      /** What the answer to /start still shows wrong. */
      still: StartReason;
      subscription: Subscription;
      alerted: boolean;
    }
  | { contentType: ContentType; result: 'waitSpacing'; reason: StartReason; retryAt: string }
  | { contentType: ContentType; result: 'disabledByAdmin'; alerted: boolean; retryAt?: string }
  | { contentType: ContentType; result: 'failed'; reason: string; code?: string };

export interface SubscriptionKeeperOptions {
  state: KeeperState;
  desired: DesiredWebhook;
  raiseAlert(alert: Alert, logger: Logger): Promise<void>;
}

export const KEEPER_SCOPE = 'subscriptionKeeper';

const memorySchema = z.object({
  lastStartAt: z.string().optional(),
  disabledByAdminAt: z.string().optional(),
  /** Open episode: a /start answered but left the webhook (or subscription) broken. */
  notRepairedSince: z.string().optional(),
});
type Memory = z.infer<typeof memorySchema>;

const dateOf = (iso: string | undefined): Date | undefined => {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms);
};

export class SubscriptionKeeper {
  constructor(private readonly options: SubscriptionKeeperOptions) {}

  /** Throws only when the subscriptions cannot be listed; each start's failure is an outcome. */
  async ensure(
    tenant: TenantConfig,
    api: SubscriptionApi,
    contentTypes: readonly ContentType[],
    context: { now: Date; logger: Logger },
  ): Promise<SubscriptionOutcome[]> {
    const { logger } = context;
    const current = await api.listSubscriptions();
    if (this.options.desired.address === undefined) {
      logger.info(
        'WEBHOOK_URL is not set: subscriptions are kept without a webhook (backfill only) and existing webhooks are left alone',
        {
          tenantId: tenant.tenantId,
        },
      );
    }
    const outcomes: SubscriptionOutcome[] = [];
    for (const contentType of contentTypes) {
      outcomes.push(
        await this.ensureOne(
          tenant,
          api,
          contentType,
          current.find((s) => s.contentType === contentType),
          context,
        ),
      );
    }
    return outcomes;
  }

  private async ensureOne(
    tenant: TenantConfig,
    api: SubscriptionApi,
    contentType: ContentType,
    current: Subscription | undefined,
    { now, logger }: { now: Date; logger: Logger },
  ): Promise<SubscriptionOutcome> {
    const ids = { tenantId: tenant.tenantId, contentType };
    const key = `${tenant.tenantId}|${contentType}`;
    const memory: Memory = (await this.options.state.get(KEEPER_SCOPE, key, memorySchema)) ?? {};
    const plan = planSubscriptionAction(current, this.options.desired, {
      now,
      lastStartAt: dateOf(memory.lastStartAt),
      disabledByAdminAt: dateOf(memory.disabledByAdminAt),
    });

    switch (plan.action) {
      case 'ok':
        logger.debug('subscription healthy', {
          ...ids,
          webhook: current?.webhook?.status ?? null,
          note: plan.note,
        });
        if (memory.notRepairedSince !== undefined) {
          await this.noteRepaired(tenant, contentType, memory, key, { now, logger });
        }
        return { contentType, result: 'ok', subscription: current! };
      case 'heldDisabledByAdmin':
        logger.warn('subscription disabled by an administrator; not starting it again yet', {
          ...ids,
          retryAt: plan.retryAt.toISOString(),
        });
        return {
          contentType,
          result: 'disabledByAdmin',
          alerted: false,
          retryAt: plan.retryAt.toISOString(),
        };
      case 'waitSpacing':
        logger.warn('subscription needs a start but the last one was under 15 minutes ago; waiting', {
          ...ids,
          reason: plan.reason,
          retryAt: plan.retryAt.toISOString(),
        });
        return {
          contentType,
          result: 'waitSpacing',
          reason: plan.reason,
          retryAt: plan.retryAt.toISOString(),
        };
      case 'start':
        return this.start(tenant, api, contentType, plan.reason, memory, key, { now, logger });
    }
  }

  private async start(
    tenant: TenantConfig,
    api: SubscriptionApi,
    contentType: ContentType,
    reason: StartReason,
    memory: Memory,
    key: string,
    { now, logger }: { now: Date; logger: Logger },
  ): Promise<SubscriptionOutcome> {
    const ids = { tenantId: tenant.tenantId, contentType };
    const { address, authId } = this.options.desired;
    const webhook = address === undefined ? undefined : { address, authId };
    try {
      const subscription = await api.startSubscription(contentType, { webhook });
      const still = stillBroken(subscription, this.options.desired);
      if (still !== undefined) {
        return await this.notRepaired(tenant, contentType, reason, still, subscription, memory, key, {
          now,
          logger,
        });
      }
      await this.options.state.set(KEEPER_SCOPE, key, { lastStartAt: now.toISOString() });
      logger.info('subscription started', { ...ids, reason, webhook: subscription.webhook?.status ?? null });
      if (memory.notRepairedSince !== undefined) {
        await this.noteRecovery(tenant, contentType, memory.notRepairedSince, logger);
      }
      const repairedWebhook = reason !== 'missing' && reason !== 'subscriptionDisabled';
      await this.options.raiseAlert(
        {
          severity: repairedWebhook ? 'warning' : 'info',
          kind: repairedWebhook ? 'webhookReenabled' : 'subscriptionStarted',
          tenantId: tenant.tenantId,
          message: repairedWebhook
            ? `the ${contentType} webhook was ${reason} and has been started again; backfill covers the gap`
            : `the ${contentType} subscription was ${reason === 'missing' ? 'missing' : 'disabled'} and has been started`,
          details: { contentType, reason, webhookStatus: subscription.webhook?.status ?? null },
        },
        logger,
      );
      return { contentType, result: 'started', reason, subscription };
    } catch (error) {
      const apiError = error instanceof ManagementApiError ? error : undefined;
      if (apiError?.classification === 'disabledByAdmin') {
        const firstTime = memory.disabledByAdminAt === undefined;
        await this.options.state.set(KEEPER_SCOPE, key, {
          lastStartAt: now.toISOString(),
          disabledByAdminAt: now.toISOString(),
        });
        if (firstTime) await this.alertDisabledByAdmin(tenant, contentType, apiError, logger);
        logger.warn('subscription disabled by an administrator', {
          ...ids,
          code: apiError.code,
          alerted: firstTime,
        });
        return { contentType, result: 'disabledByAdmin', alerted: firstTime };
      }
      // Only a start the API answered counts against its 15-minute spacing.
      if (apiError?.statusCode !== undefined) {
        await this.options.state
          .set(KEEPER_SCOPE, key, { ...memory, lastStartAt: now.toISOString() })
          .catch((e: unknown) =>
            logger.warn('could not record the start time', { ...ids, reason: describeError(e) }),
          );
      }
      const why = describeError(error);
      logger.error('subscription start failed', { ...ids, reason, error: why });
      return { contentType, result: 'failed', reason: why, code: apiError?.code };
    }
  }

  /**
   * An administrator's disable seen elsewhere (a listing answered AF20023 while /start did not):
   * remembered and alerted exactly as if /start had said it, so the pair is held, not restarted.
   */
  async noteDisabledByAdmin(
    tenant: TenantConfig,
    contentType: ContentType,
    error: ManagementApiError,
    { now, logger }: { now: Date; logger: Logger },
  ): Promise<boolean> {
    const key = `${tenant.tenantId}|${contentType}`;
    const memory: Memory = (await this.options.state.get(KEEPER_SCOPE, key, memorySchema)) ?? {};
    const firstTime = memory.disabledByAdminAt === undefined;
    await this.options.state.set(KEEPER_SCOPE, key, { ...memory, disabledByAdminAt: now.toISOString() });
    if (firstTime) await this.alertDisabledByAdmin(tenant, contentType, error, logger);
    return firstTime;
  }

  private async alertDisabledByAdmin(
    tenant: TenantConfig,
    contentType: ContentType,
    apiError: ManagementApiError,
    logger: Logger,
  ): Promise<void> {
    await this.options.raiseAlert(
      {
        severity: 'error',
        kind: 'subscriptionDisabledByAdmin',
        tenantId: tenant.tenantId,
        message: `the ${contentType} subscription was disabled by an administrator (${apiError.code ?? 'AF20023'}); no content of this type is received until they enable it again`,
        details: { contentType, code: apiError.code, apiMessage: apiError.message },
      },
      logger,
    );
  }

  /** /start answered, but what it answered is still broken: alert once per episode, keep backfilling. */
  private async notRepaired(
    tenant: TenantConfig,
    contentType: ContentType,
    reason: StartReason,
    still: StartReason,
    subscription: Subscription,
    memory: Memory,
    key: string,
    { now, logger }: { now: Date; logger: Logger },
  ): Promise<SubscriptionOutcome> {
    const firstTime = memory.notRepairedSince === undefined;
    await this.options.state.set(KEEPER_SCOPE, key, {
      lastStartAt: now.toISOString(),
      notRepairedSince: memory.notRepairedSince ?? now.toISOString(),
    });
    const webhookOnly = still !== 'missing' && still !== 'subscriptionDisabled';
    logger.warn('subscription start answered but did not repair it; backfill carries this content type', {
      tenantId: tenant.tenantId,
      contentType,
      reason,
      still,
      webhookStatus: subscription.webhook?.status ?? null,
      alerted: firstTime,
    });
    if (firstTime) {
      await this.options.raiseAlert(
        {
          severity: 'error',
          kind: webhookOnly ? 'webhookNotRepaired' : 'subscriptionNotStarted',
          tenantId: tenant.tenantId,
          message: webhookOnly
            ? `the ${contentType} webhook was ${reason}; /start answered but it is still ${still}: no notifications arrive, backfill every run carries this content type`
            : `the ${contentType} subscription was ${reason}; /start answered but it is still ${still}: no content of this type can be listed`,
          details: {
            contentType,
            reason,
            still,
            subscriptionStatus: subscription.status,
            webhookStatus: subscription.webhook?.status ?? null,
          },
        },
        logger,
      );
    }
    return { contentType, result: 'notRepaired', reason, still, subscription, alerted: firstTime };
  }

  /** The pair is healthy again after an unrepaired episode: say so once and close the episode. */
  private async noteRepaired(
    tenant: TenantConfig,
    contentType: ContentType,
    memory: Memory,
    key: string,
    { logger }: { now: Date; logger: Logger },
  ): Promise<void> {
    await this.options.state
      .set(KEEPER_SCOPE, key, { ...memory, notRepairedSince: undefined })
      .catch((e: unknown) =>
        logger.warn('could not record the repair', {
          tenantId: tenant.tenantId,
          contentType,
          reason: describeError(e),
        }),
      );
    await this.noteRecovery(tenant, contentType, memory.notRepairedSince!, logger);
  }

  private async noteRecovery(
    tenant: TenantConfig,
    contentType: ContentType,
    since: string,
    logger: Logger,
  ): Promise<void> {
    await this.options.raiseAlert(
      {
        severity: 'info',
        kind: 'subscriptionRepaired',
        tenantId: tenant.tenantId,
        message: `the ${contentType} subscription and webhook are healthy again (broken since ${since})`,
        details: { contentType, brokenSince: since },
      },
      logger,
    );
  }
}
