/**
 * The webhook Microsoft POSTs to: answers the validation handshake, checks each notification and
 * enqueues one message per content blob. Nothing else happens here (no token, no fetch): Microsoft
 * counts anything but a prompt 200 as a failed delivery, retries, and eventually disables the webhook.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { AppConfig, TenantConfig } from '../shared/config/settings';
import type { ContentMessage } from '../shared/contentMessage';
import type { Logger } from '../shared/log';
import { loggerFromContext } from '../shared/log';
import { authIdMatches } from '../shared/notifications/authId';
import { classifyWebhookBody } from '../shared/notifications/notificationBody';
import { ContentUriCheck, validateNotification } from '../shared/notifications/validateNotification';
import type { TenantDirectory } from '../shared/tenants/tenantDirectory';
import type { HttpFunctionDefinition } from './definition';

export interface WebhookDependencies {
  config: Pick<AppConfig, 'contentTypes' | 'webhook'>;
  /** The tenants served (the tenant registry, at most a minute old): a removed or disabled one is refused. */
  tenants: Pick<TenantDirectory, 'get'>;
  enqueue(messages: ContentMessage[]): Promise<void>;
  checkContentUri: ContentUriCheck;
  /** Called once per request that had refused items, for the rejection-spike alert. */
  onRejected?(
    summary: { rejected: number; accepted: number; reasons: string[] },
    logger: Logger,
  ): Promise<void>;
  now?: () => Date;
}

const text = (status: number, body: string, headers?: Record<string, string>): HttpResponseInit => ({
  status,
  body,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
});

export function defineWebhook(deps: WebhookDependencies): HttpFunctionDefinition {
  const baseRules = {
    contentTypes: deps.config.contentTypes,
    checkContentUri: deps.checkContentUri,
    now: deps.now ?? (() => new Date()),
  };
  const maxBytes = deps.config.webhook.maxBodyBytes;

  async function handler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const log = loggerFromContext(context);
    if (request.method !== 'POST') {
      return text(405, `method ${request.method} not allowed: Microsoft delivers notifications with POST`, {
        allow: 'POST',
      });
    }
    const expectedAuthId = deps.config.webhook.authId;
    if (!expectedAuthId) {
      log.error('webhook refused a request: WEBHOOK_AUTH_ID is not configured');
      return text(503, 'receiver is not configured (WEBHOOK_AUTH_ID missing)');
    }
    if (!authIdMatches(request.headers.get('webhook-authid'), expectedAuthId)) {
      log.warn('webhook refused a request with a wrong or missing Webhook-AuthID', {
        hasHeader: request.headers.has('webhook-authid'),
      });
      return text(401, 'Webhook-AuthID header is missing or does not match');
    }
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > maxBytes) return text(413, `body of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
    const raw = new Uint8Array(await request.arrayBuffer());
    if (raw.byteLength > maxBytes)
      return text(413, `body of ${raw.byteLength} bytes exceeds the ${maxBytes}-byte limit`);

    const body = classifyWebhookBody(raw, request.headers.get('webhook-validationcode'));
    if (body.kind === 'validation') {
      log.info('webhook validation handshake answered');
      return { status: 200 };
    }
    if (body.kind === 'invalid') {
      log.warn('webhook refused a malformed body', { reason: body.reason });
      return text(400, body.reason);
    }

    let tenants: Awaited<ReturnType<typeof tenantsOf>>;
    try {
      tenants = await tenantsOf(body.items, deps.tenants);
    } catch (e) {
      // Not knowing whether a tenant is served is no reason to drop its content: Microsoft retries.
      log.error('webhook could not check the tenants; answering 503 so Microsoft retries', {
        error: (e as Error).message,
      });
      return text(503, 'the tenant registry is unavailable; retry later', { 'retry-after': '30' });
    }
    const rules = { ...baseRules, ...tenants };

    const accepted = new Map<string, ContentMessage>();
    const reasons: string[] = [];
    body.items.forEach((item, index) => {
      const verdict = validateNotification(item, rules);
      if (verdict.ok) {
        // Microsoft may list one blob twice in a batch; one message per blob is enough.
        accepted.set(`${verdict.message.tenantId}|${verdict.message.contentId}`, verdict.message);
      } else {
        reasons.push(verdict.reason);
        log.warn('webhook refused a notification', {
          index,
          reason: verdict.reason,
          tenantId: verdict.tenantId,
          contentId: verdict.contentId,
        });
      }
    });

    if (accepted.size > 0) {
      try {
        await deps.enqueue([...accepted.values()]);
      } catch (e) {
        // A non-200 makes Microsoft deliver the batch again, so nothing is lost.
        log.error('webhook could not enqueue notifications; answering 503 so Microsoft retries', {
          error: (e as Error).message,
          count: accepted.size,
        });
        return text(503, 'could not enqueue the notifications; retry later');
      }
    }
    if (reasons.length > 0 && deps.onRejected) {
      // The accepted items are already queued: a failing alert must not turn this into a retry.
      try {
        await deps.onRejected(
          { rejected: reasons.length, accepted: accepted.size, reasons: [...new Set(reasons)] },
          log,
        );
      } catch (e) {
        log.error('webhook could not report refused notifications', { error: (e as Error).message });
      }
    }
    log.info('webhook accepted notifications', {
      received: body.items.length,
      enqueued: accepted.size,
      refused: reasons.length,
    });
    return { status: 200 };
  }

  return {
    kind: 'http',
    name: 'webhook',
    route: 'webhook',
    // Other methods are routed here too so they get a 405 that says why, rather than a bare 404.
    methods: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'],
    authLevel: 'anonymous',
    handler,
  };
}

/**
 * The tenants a batch names, looked up once each: those served, and those known but refused with
 * the directory's reason (disabled, removed, unusable). Throws when the registry cannot be read.
 */
async function tenantsOf(
  items: readonly unknown[],
  directory: Pick<TenantDirectory, 'get'>,
): Promise<{ tenants: Map<string, TenantConfig>; refusedTenants: Map<string, string> }> {
  const ids = new Set<string>();
  for (const item of items) {
    const id = (item as { tenantId?: unknown } | null)?.tenantId;
    if (typeof id === 'string' && id.trim() !== '') ids.add(id.trim().toLowerCase());
  }
  const tenants = new Map<string, TenantConfig>();
  const refusedTenants = new Map<string, string>();
  for (const id of ids) {
    const lookup = await directory.get(id);
    if (lookup.status === 'active') tenants.set(id, lookup.tenant);
    else refusedTenants.set(id, lookup.reason);
  }
  return { tenants, refusedTenants };
}
