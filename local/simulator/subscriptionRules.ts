/**
 * What /subscriptions/start means, as pure functions: reading its body and deciding whether a start
 * changes anything. The same call creates a subscription, adds, changes or removes its webhook and
 * re-enables a webhook Microsoft disabled or that expired; a start that changes nothing is HTTP 400
 * AF20024, which a Microsoft employee called "not an error".
 */
import type { ContentType } from '../../shared/contentTypes';
import { apiErrors, type ApiError } from './apiErrors';

export interface Webhook {
  status: 'enabled' | 'disabled' | 'expired';
  address: string;
  authId: string | null;
  /** Echoed as given; the docs' sample sends "" and answers null. */
  expiration: string | null;
  expiresAtMs?: number;
  consecutiveFailures: number;
}

export interface Subscription {
  contentType: ContentType;
  status: 'enabled' | 'disabled';
  disabledByAdmin: boolean;
  webhook: Webhook | null;
  lastStartMs?: number;
}

export interface RequestedWebhook {
  address: string;
  authId: string | null;
  expiration: string | null;
  expiresAtMs?: number;
}

export type StartBody = { ok: true; webhook: RequestedWebhook | null } | { ok: false; error: ApiError };

export function parseStartBody(body: string, now: Date): StartBody {
  if (body.trim() === '') return { ok: true, webhook: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, error: apiErrors.invalidParameterType('body', 'JSON object') };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, error: apiErrors.invalidParameterType('body', 'JSON object') };
  }
  const webhook = (parsed as { webhook?: unknown }).webhook;
  if (webhook === undefined || webhook === null) return { ok: true, webhook: null };
  if (typeof webhook !== 'object' || Array.isArray(webhook)) {
    return { ok: false, error: apiErrors.invalidParameterType('webhook', 'object') };
  }
  const { address, authId, expiration } = webhook as Record<string, unknown>;
  if (typeof address !== 'string' || address.trim() === '') {
    return { ok: false, error: apiErrors.missingParameter('address') };
  }
  if (authId !== undefined && authId !== null && typeof authId !== 'string') {
    return { ok: false, error: apiErrors.invalidParameterType('authId', 'string') };
  }
  const requested: RequestedWebhook = {
    address,
    authId: typeof authId === 'string' && authId !== '' ? authId : null,
    expiration: null,
  };
  if (expiration !== undefined && expiration !== null && expiration !== '') {
    if (typeof expiration !== 'string' || Number.isNaN(Date.parse(expiration))) {
      return { ok: false, error: apiErrors.invalidParameterType('expiration', 'datetime') };
    }
    const expiresAtMs = Date.parse(expiration);
    if (expiresAtMs <= now.getTime()) return { ok: false, error: apiErrors.expirationInPast(expiration) };
    requested.expiration = expiration;
    requested.expiresAtMs = expiresAtMs;
  }
  return { ok: true, webhook: requested };
}

/** undefined when the address may be validated; AF20021 when it cannot even be tried. */
export function webhookAddressProblem(address: string, allowInsecure: boolean): ApiError | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return apiErrors.webhookNotValidated(address, 'notHttps');
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && allowInsecure) return undefined;
  return apiErrors.webhookNotValidated(address, 'notHttps');
}

/** A webhook whose expiration has passed reads as expired from then on. */
export function refreshWebhookStatus(webhook: Webhook, nowMs: number): Webhook {
  if (webhook.status === 'enabled' && webhook.expiresAtMs !== undefined && webhook.expiresAtMs <= nowMs) {
    webhook.status = 'expired';
  }
  return webhook;
}

export function startChangesSomething(
  current: Subscription | undefined,
  requested: RequestedWebhook | null,
): boolean {
  if (!current || current.status !== 'enabled') return true;
  const hook = current.webhook;
  if (requested === null) return hook !== null;
  if (hook === null || hook.status !== 'enabled') return true;
  return !sameWebhookProperties(hook, requested);
}

/** Address, auth id and expiration as asked; the status is not a property the caller sets. */
export function sameWebhookProperties(hook: Webhook, requested: RequestedWebhook): boolean {
  return (
    hook.address === requested.address &&
    hook.authId === requested.authId &&
    hook.expiration === requested.expiration
  );
}

export function webhookFrom(requested: RequestedWebhook): Webhook {
  return { ...requested, status: 'enabled', consecutiveFailures: 0 };
}

export function publicWebhook(webhook: Webhook | null): {
  status: Webhook['status'];
  address: string;
  authId: string | null;
  expiration: string | null;
} | null {
  if (!webhook) return null;
  return {
    status: webhook.status,
    address: webhook.address,
    authId: webhook.authId,
    expiration: webhook.expiration,
  };
}
