/**
 * What the timer should do about one subscription, as a pure decision over what /subscriptions/list
 * said, what we want, and what we remember (last start, admin-disabled alert). /start is the one call
 * that creates a subscription, re-enables a disabled or expired webhook and replaces its address or
 * auth id, so every repair is a start; /stop is never used (content published while stopped is lost).
 */
import type { Subscription } from '../managementApi';

/** The documented wait between two /start requests for one tenant and content type. */
export const START_SPACING_MS = 15 * 60_000;
/** An admin-disabled subscription is tried again this rarely, silently, in case the admin undid it. */
export const DISABLED_BY_ADMIN_RETRY_MS = 24 * 60 * 60_000;

export type StartReason =
  | 'missing'
  | 'subscriptionDisabled'
  | 'webhookMissing'
  | 'webhookDisabled'
  | 'webhookExpired'
  | 'webhookAddressChanged'
  | 'webhookAuthIdChanged'
  | 'disabledByAdminRecheck';

export type SubscriptionAction =
  | { action: 'ok'; note?: 'webhookLeftAlone' }
  | { action: 'start'; reason: StartReason }
  | { action: 'waitSpacing'; reason: StartReason; retryAt: Date }
  | { action: 'heldDisabledByAdmin'; retryAt: Date };

export interface DesiredWebhook {
  /** Absent: backfill-only mode; subscriptions are kept without a webhook and an existing one is left alone. */
  address?: string;
  authId?: string;
}

export interface SubscriptionMemory {
  now: Date;
  /** When a /start for this pair last reached the API. */
  lastStartAt?: Date;
  /** When AF20023 was last seen (and alerted) for this pair. */
  disabledByAdminAt?: Date;
  spacingMs?: number;
}

const trimSlash = (url: string): string => url.replace(/\/+$/, '');

function repairReason(current: Subscription | undefined, desired: DesiredWebhook): StartReason | undefined {
  if (!current) return 'missing';
  if (current.status.toLowerCase() !== 'enabled') return 'subscriptionDisabled';
  if (desired.address === undefined) return undefined;
  const hook = current.webhook;
  if (!hook) return 'webhookMissing';
  const status = hook.status.toLowerCase();
  if (status === 'expired') return 'webhookExpired';
  if (status !== 'enabled') return 'webhookDisabled';
  if (trimSlash(hook.address) !== trimSlash(desired.address)) return 'webhookAddressChanged';
  if ((hook.authId ?? null) !== (desired.authId ?? null)) return 'webhookAuthIdChanged';
  return undefined;
}

/**
 * What is still wrong with a subscription as /start answered it, judged like a listing: the docs say
 * /start re-enables a disabled webhook but not that its answer shows it, so the answer is checked
 * rather than trusted. The auth id is left to the next listing: not every answer need echo it.
 */
export function stillBroken(answer: Subscription, desired: DesiredWebhook): StartReason | undefined {
  const reason = repairReason(answer, desired);
  return reason === 'webhookAuthIdChanged' ? undefined : reason;
}

export function planSubscriptionAction(
  current: Subscription | undefined,
  desired: DesiredWebhook,
  memory: SubscriptionMemory,
): SubscriptionAction {
  const now = memory.now.getTime();
  let reason = repairReason(current, desired);
  if (reason === undefined) {
    return desired.address === undefined && current?.webhook
      ? { action: 'ok', note: 'webhookLeftAlone' }
      : { action: 'ok' };
  }
  if (memory.disabledByAdminAt !== undefined) {
    const retryAt = memory.disabledByAdminAt.getTime() + DISABLED_BY_ADMIN_RETRY_MS;
    if (now < retryAt) return { action: 'heldDisabledByAdmin', retryAt: new Date(retryAt) };
    reason = 'disabledByAdminRecheck';
  }
  const spacing = memory.spacingMs ?? START_SPACING_MS;
  if (memory.lastStartAt !== undefined && now - memory.lastStartAt.getTime() < spacing) {
    return { action: 'waitSpacing', reason, retryAt: new Date(memory.lastStartAt.getTime() + spacing) };
  }
  return { action: 'start', reason };
}
