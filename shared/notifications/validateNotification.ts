/**
 * Checks one item of a notification array against what we are configured to receive. Pure: the
 * webhook function decides what to do with the verdict.
 */
import type { TenantConfig } from '../config/settings';
import type { ContentMessage } from '../contentMessage';
import { isContentType } from '../contentTypes';
import type { ContentType } from '../contentTypes';
import { contentIdMismatch } from '../managementApi/contentUriGuard';

/** A refusal reason is logged and counted; whatever the sender put in it, it stays this short. */
export const MAX_REASON_CHARS = 300;
/** tenantId and contentId are logged beside the reason; real ones are far shorter. */
const MAX_ID_CHARS = 200;

/** Returns undefined when the contentUri is acceptable for the tenant, else the reason. */
export type ContentUriCheck = (contentUri: string, tenant: TenantConfig) => string | undefined;

export type NotificationVerdict =
  | { ok: true; message: ContentMessage }
  | { ok: false; reason: string; tenantId?: string; contentId?: string };

export interface NotificationRules {
  /** The tenants served, by lower-case id. */
  tenants: ReadonlyMap<string, TenantConfig>;
  /**
   * Tenants known but not served (disabled, removed or unusable in the tenant registry), by
   * lower-case id, with the reason their notifications are refused.
   */
  refusedTenants?: ReadonlyMap<string, string>;
  contentTypes: readonly ContentType[];
  checkContentUri: ContentUriCheck;
  now: () => Date;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Cuts text to `max` characters, saying how much was left out. */
export function bounded(value: string, max = MAX_REASON_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length - max} more characters)`;
}

/** A sender's value in a reason: a short quoted string, or only its kind (never walked into). */
function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(bounded(value, 80));
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/**
 * Never throws: a notification is the internet's input, and one odd item (nested thousands deep, a
 * megabyte of text) must be refused with a short reason while the rest of its batch is enqueued.
 */
export function validateNotification(item: unknown, rules: NotificationRules): NotificationVerdict {
  let verdict: NotificationVerdict;
  try {
    verdict = check(item, rules);
  } catch (e) {
    verdict = {
      ok: false,
      reason: `notification could not be read (${e instanceof Error ? e.name : 'error'})`,
    };
  }
  if (verdict.ok) return verdict;
  return {
    ok: false,
    reason: bounded(verdict.reason),
    ...(verdict.tenantId === undefined ? {} : { tenantId: bounded(verdict.tenantId, MAX_ID_CHARS) }),
    ...(verdict.contentId === undefined ? {} : { contentId: bounded(verdict.contentId, MAX_ID_CHARS) }),
  };
}

function check(item: unknown, rules: NotificationRules): NotificationVerdict {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { ok: false, reason: 'notification is not a JSON object' };
  }
  const n = item as Record<string, unknown>;
  const tenantIdRaw = text(n.tenantId);
  const contentId = text(n.contentId);
  const fail = (reason: string): NotificationVerdict => ({
    ok: false,
    reason,
    tenantId: tenantIdRaw,
    contentId,
  });

  if (!tenantIdRaw) return fail('tenantId is missing');
  const tenant = rules.tenants.get(tenantIdRaw.toLowerCase());
  if (!tenant) {
    const refused = rules.refusedTenants?.get(tenantIdRaw.toLowerCase());
    return fail(refused ?? `tenantId ${tenantIdRaw} is not a configured tenant`);
  }
  const clientId = text(n.clientId);
  if (!clientId) return fail('clientId is missing');
  if (clientId.toLowerCase() !== tenant.clientId) {
    return fail(`clientId ${clientId} is not the app configured for tenant ${tenant.tenantId}`);
  }
  if (!isContentType(n.contentType))
    return fail(`contentType ${shown(n.contentType)} is not a known content type`);
  if (!rules.contentTypes.includes(n.contentType)) {
    return fail(`contentType ${n.contentType} is not subscribed by this receiver`);
  }
  if (!contentId) return fail('contentId is missing');
  const contentUri = text(n.contentUri);
  if (!contentUri) return fail('contentUri is missing');
  const uriProblem = rules.checkContentUri(contentUri, tenant);
  if (uriProblem) return fail(`contentUri refused: ${uriProblem}`);
  const idProblem = contentIdMismatch(contentId, contentUri);
  if (idProblem) return fail(`contentUri refused: ${idProblem}`);

  return {
    ok: true,
    message: {
      tenantId: tenant.tenantId,
      clientId: tenant.clientId,
      contentType: n.contentType,
      contentId,
      contentUri,
      contentCreated: text(n.contentCreated),
      contentExpiration: text(n.contentExpiration),
      source: 'webhook',
      enqueuedAt: rules.now().toISOString(),
    },
  };
}
