/**
 * Checks one item of a notification array against what we are configured to receive. Pure: the
 * webhook function decides what to do with the verdict.
 */
import type { TenantConfig } from '../config/settings';
import type { ContentMessage } from '../contentMessage';
import { isContentType } from '../contentTypes';
import type { ContentType } from '../contentTypes';

/** Returns undefined when the contentUri is acceptable for the tenant, else the reason. */
export type ContentUriCheck = (contentUri: string, tenant: TenantConfig) => string | undefined;

export type NotificationVerdict =
  | { ok: true; message: ContentMessage }
  | { ok: false; reason: string; tenantId?: string; contentId?: string };

export interface NotificationRules {
  tenants: ReadonlyMap<string, TenantConfig>;
  contentTypes: readonly ContentType[];
  checkContentUri: ContentUriCheck;
  now: () => Date;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function validateNotification(item: unknown, rules: NotificationRules): NotificationVerdict {
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
  if (!tenant) return fail(`tenantId ${tenantIdRaw} is not a configured tenant`);
  const clientId = text(n.clientId);
  if (!clientId) return fail('clientId is missing');
  if (clientId.toLowerCase() !== tenant.clientId) {
    return fail(`clientId ${clientId} is not the app configured for tenant ${tenant.tenantId}`);
  }
  if (!isContentType(n.contentType))
    return fail(`contentType ${JSON.stringify(n.contentType)} is not a known content type`);
  if (!rules.contentTypes.includes(n.contentType)) {
    return fail(`contentType ${n.contentType} is not subscribed by this receiver`);
  }
  if (!contentId) return fail('contentId is missing');
  const contentUri = text(n.contentUri);
  if (!contentUri) return fail('contentUri is missing');
  const uriProblem = rules.checkContentUri(contentUri, tenant);
  if (uriProblem) return fail(`contentUri refused: ${uriProblem}`);

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
