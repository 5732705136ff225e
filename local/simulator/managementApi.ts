/**
 * The Office 365 Management Activity API of the simulated tenants:
 * /api/v1.0/{tenantId}/activity/feed/subscriptions/{start,stop,list,content,notifications}, the
 * content blobs at /api/v1.0/{tenantId}/activity/feed/audit/{contentId}, and the DLP sensitive
 * information type names at /api/v1.0/{tenantId}/activity/feed/resources/dlpSensitiveTypes.
 */
import { randomBytes } from 'node:crypto';
import { isContentType, type ContentType } from '../../shared/contentTypes';
import { bearerOf } from './accessTokens';
import { apiErrors, errorBody, type ApiError } from './apiErrors';
import { isWellFormedContentId } from './contentIds';
import { resolveContentWindow, type ContentWindow } from './contentWindow';
import type { SimulatorContext } from './context';
import { DLP_SENSITIVE_TYPES } from './dlpSensitiveTypes';
import { ANONYMOUS_PUBLISHER, methodNameOf, type FaultTarget } from './faults';
import { publisherOf, type ListenerRoutes, type SimRequest, type SimResponse } from './httpsListener';
import type { WebhookValidation } from './model';
import {
  parseStartBody,
  publicWebhook,
  refreshWebhookStatus,
  sameWebhookProperties,
  startChangesSomething,
  webhookAddressProblem,
  webhookFrom,
  type Subscription,
} from './subscriptionRules';
import type { SimulatedTenant, StoredContent } from './tenantDirectory';
import { postToWebhook } from './webhookPoster';

export interface ManagementApiSettings {
  startSpacingMs: number;
  allowInsecureWebhook: boolean;
  pageSize: number;
  pagingHeader: 'NextPageUri' | 'NextPageUrl';
  webhookTimeoutMs: number;
  validations: WebhookValidation[];
  /** Cut short by stop(). */
  abortSignal: AbortSignal;
  startOnDisabledWebhook: 'reenable' | 'leaveDisabled' | 'alreadyEnabled';
  startOnAdminDisabled: 'AF20023' | 'unchanged';
  startSpacingRetryAfter: boolean;
}

type ApiOperation = 'start' | 'stop' | 'list' | 'content' | 'notifications' | 'fetch' | 'sensitiveTypes';

interface ApiRoute {
  operation: ApiOperation;
  tenantId: string;
  contentId?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function managementApiRoutes(ctx: SimulatorContext, settings: ManagementApiSettings): ListenerRoutes {
  return {
    name: 'api',
    classify(req) {
      const route = routeOf(req);
      return route
        ? { operation: route.operation, tenantId: route.tenantId, contentId: route.contentId }
        : undefined;
    },
    async handle(req, target) {
      const route = routeOf(req);
      if (!route || !target) return failure(apiErrors.notFound(req.path));
      const denied = authorize(ctx, req, route.tenantId);
      if (denied) return failure(denied);
      const tenant = ctx.directory.find(route.tenantId);
      if (!tenant) return failure(apiErrors.tenantMismatch(route.tenantId, 'unknown'));
      switch (route.operation) {
        case 'start':
          return startSubscription(ctx, settings, tenant, req, target);
        case 'stop':
          return stopSubscription(tenant, req);
        case 'list':
          return listSubscriptions(ctx, tenant);
        case 'content':
        case 'notifications':
          return listAvailable(ctx, settings, tenant, req, route.operation);
        case 'fetch':
          return fetchContent(ctx, tenant, route.contentId ?? '');
        case 'sensitiveTypes':
          return { status: 200, body: DLP_SENSITIVE_TYPES.map((t) => ({ id: t.id, name: t.name })) };
      }
    },
  };
}

function routeOf(req: SimRequest): ApiRoute | undefined {
  // NextPageUri in the docs' sample points at /api/v1/ rather than /api/v1.0/; accept both.
  const m = /^\/api\/v1(?:\.0)?\/([^/]+)\/activity\/feed\/(.+?)\/?$/.exec(req.path);
  if (!m) return undefined;
  const [, tenantId, rest] = m;
  const method = req.method.toUpperCase();
  if (method === 'POST' && rest === 'subscriptions/start') return { operation: 'start', tenantId };
  if (method === 'POST' && rest === 'subscriptions/stop') return { operation: 'stop', tenantId };
  if (method === 'GET' && rest === 'subscriptions/list') return { operation: 'list', tenantId };
  if (method === 'GET' && rest === 'subscriptions/content') return { operation: 'content', tenantId };
  if (method === 'GET' && rest === 'subscriptions/notifications')
    return { operation: 'notifications', tenantId };
  if (method === 'GET' && rest === 'resources/dlpSensitiveTypes')
    return { operation: 'sensitiveTypes', tenantId };
  if (method === 'GET' && rest.startsWith('audit/'))
    return { operation: 'fetch', tenantId, contentId: rest.slice(6) };
  return undefined;
}

function authorize(ctx: SimulatorContext, req: SimRequest, urlTenant: string): ApiError | undefined {
  if (!GUID.test(urlTenant)) return apiErrors.tenantNotGuid(urlTenant);
  const token = bearerOf(req.headers.authorization);
  if (!token) return apiErrors.unauthorized('No bearer token was sent.');
  const check = ctx.mint.verify(token, ctx.clock());
  if (!check.ok) return apiErrors.unauthorized(check.reason);
  if (check.claims.aud !== ctx.urls.apiBaseUrl) {
    return apiErrors.unauthorized(`The token audience ${check.claims.aud} is not this API.`);
  }
  if (check.claims.tid.toLowerCase() !== urlTenant.toLowerCase()) {
    return apiErrors.tenantMismatch(urlTenant, check.claims.tid);
  }
  if (!check.claims.roles?.includes('ActivityFeed.Read')) {
    return apiErrors.missingPermission((check.claims.roles ?? []).join(','));
  }
  return undefined;
}

function failure(error: ApiError): SimResponse {
  return { status: error.status, headers: error.headers, body: errorBody(error) };
}

function contentTypeOf(
  req: SimRequest,
): { ok: true; contentType: ContentType } | { ok: false; error: ApiError } {
  const value = req.query.get('contentType');
  if (value === null || value === '') return { ok: false, error: apiErrors.missingParameter('contentType') };
  if (!isContentType(value)) return { ok: false, error: apiErrors.invalidContentType() };
  return { ok: true, contentType: value };
}

/** Listing and fetching need an enabled subscription; an admin-disabled one says so. */
function subscriptionProblem(subscription: Subscription | undefined): ApiError | undefined {
  if (subscription?.disabledByAdmin) return apiErrors.disabledByAdmin();
  if (!subscription || subscription.status !== 'enabled') return apiErrors.noSubscription();
  return undefined;
}

async function startSubscription(
  ctx: SimulatorContext,
  settings: ManagementApiSettings,
  tenant: SimulatedTenant,
  req: SimRequest,
  target: FaultTarget,
): Promise<SimResponse> {
  const ct = contentTypeOf(req);
  if (!ct.ok) return failure(ct.error);
  const contentType = ct.contentType;
  const now = ctx.clock();
  const current = tenant.subscriptions.get(contentType);
  if (current?.disabledByAdmin) {
    // The docs list AF20023 but not which operation answers it: this mode plays a /start that
    // "succeeds" and leaves the subscription as the administrator set it.
    if (settings.startOnAdminDisabled === 'unchanged') return { status: 200, body: stateOf(current) };
    return failure(apiErrors.disabledByAdmin());
  }
  const body = parseStartBody(req.body, now);
  if (!body.ok) return failure(body.error);
  const requested = body.webhook;
  if (requested) {
    const problem = webhookAddressProblem(requested.address, settings.allowInsecureWebhook);
    if (problem) return failure(problem);
  }
  if (current?.webhook) refreshWebhookStatus(current.webhook, now.getTime());
  const webhookWasDisabled = current?.status === 'enabled' && current.webhook?.status === 'disabled';
  if (
    webhookWasDisabled &&
    settings.startOnDisabledWebhook === 'alreadyEnabled' &&
    requested &&
    sameWebhookProperties(current.webhook!, requested)
  ) {
    return failure(apiErrors.alreadyEnabled());
  }
  if (!startChangesSomething(current, requested)) return failure(apiErrors.alreadyEnabled());
  if (settings.startSpacingMs > 0 && current?.lastStartMs !== undefined) {
    const waitMs = current.lastStartMs + settings.startSpacingMs - now.getTime();
    if (waitMs > 0) {
      const refused = apiErrors.startTooSoon(
        methodNameOf(target.operation),
        publisherOf(req.query) ?? ANONYMOUS_PUBLISHER,
        Math.ceil(waitMs / 1000),
      );
      return failure(settings.startSpacingRetryAfter ? refused : { ...refused, headers: undefined });
    }
  }
  if (requested) {
    const validated = await validateWebhook(
      ctx,
      settings,
      tenant,
      contentType,
      requested.address,
      requested.authId,
    );
    // Without a 200 nothing changes: a new subscription is not created, an existing one keeps its webhook.
    if (!validated) return failure(apiErrors.webhookNotValidated(requested.address, 'not200'));
  }
  const subscription: Subscription = current ?? {
    contentType,
    status: 'enabled',
    disabledByAdmin: false,
    webhook: null,
  };
  subscription.status = 'enabled';
  subscription.webhook = requested ? webhookFrom(requested) : null;
  if (subscription.webhook && webhookWasDisabled && settings.startOnDisabledWebhook === 'leaveDisabled') {
    subscription.webhook.status = 'disabled';
  }
  subscription.lastStartMs = ctx.clock().getTime();
  tenant.subscriptions.set(contentType, subscription);
  return { status: 200, body: stateOf(subscription) };
}

function stateOf(subscription: Subscription) {
  return {
    contentType: subscription.contentType,
    status: subscription.status,
    webhook: publicWebhook(subscription.webhook),
  };
}

async function validateWebhook(
  ctx: SimulatorContext,
  settings: ManagementApiSettings,
  tenant: SimulatedTenant,
  contentType: ContentType,
  address: string,
  authId: string | null,
): Promise<boolean> {
  const validationCode = randomBytes(16).toString('hex');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Webhook-ValidationCode': validationCode,
  };
  if (authId !== null) headers['Webhook-AuthID'] = authId;
  const outcome = await postToWebhook(
    address,
    JSON.stringify({ validationCode }),
    headers,
    settings.webhookTimeoutMs,
    settings.abortSignal,
  );
  const record: WebhookValidation = {
    url: address,
    tenantId: tenant.tenantId,
    contentType,
    validationCode,
    at: ctx.clock().toISOString(),
  };
  if ('statusCode' in outcome) record.statusCode = outcome.statusCode;
  else record.error = outcome.error;
  settings.validations.push(record);
  return 'statusCode' in outcome && outcome.statusCode === 200;
}

function stopSubscription(tenant: SimulatedTenant, req: SimRequest): SimResponse {
  const ct = contentTypeOf(req);
  if (!ct.ok) return failure(ct.error);
  const subscription = tenant.subscriptions.get(ct.contentType);
  if (!subscription || subscription.status !== 'enabled') return failure(apiErrors.noSubscription());
  // From now on nothing is pushed and content published until the next start is lost for good.
  subscription.status = 'disabled';
  return { status: 200 };
}

function listSubscriptions(ctx: SimulatorContext, tenant: SimulatedTenant): SimResponse {
  return { status: 200, body: subscriptionStates(tenant, ctx.clock()) };
}

export function subscriptionStates(tenant: SimulatedTenant, now: Date) {
  return [...tenant.subscriptions.values()].map((s) => ({
    contentType: s.contentType,
    status: s.status,
    webhook: publicWebhook(s.webhook ? refreshWebhookStatus(s.webhook, now.getTime()) : null),
  }));
}

function listAvailable(
  ctx: SimulatorContext,
  settings: ManagementApiSettings,
  tenant: SimulatedTenant,
  req: SimRequest,
  operation: 'content' | 'notifications',
): SimResponse {
  const ct = contentTypeOf(req);
  if (!ct.ok) return failure(ct.error);
  const problem = subscriptionProblem(tenant.subscriptions.get(ct.contentType));
  if (problem) return failure(problem);
  const startTime = req.query.get('startTime');
  const endTime = req.query.get('endTime');
  const resolved = resolveContentWindow(startTime, endTime, ctx.clock());
  if (!resolved.ok) return failure(resolved.error);
  const window = resolved.window;
  const all =
    operation === 'content'
      ? contentItems(tenant, ct.contentType, window)
      : notificationItems(tenant, ct.contentType, window);

  const scope = `${tenant.tenantId}|${ct.contentType}|${operation}|${window.startMs}|${window.endMs}`;
  const nextPage = req.query.get('nextPage');
  let offset = 0;
  if (nextPage !== null) {
    const read = ctx.pageTokens.read(scope, nextPage);
    if (read === undefined || read > all.length) return failure(apiErrors.badNextPage(nextPage));
    offset = read;
  }
  const page = all.slice(offset, offset + settings.pageSize);
  const headers: Record<string, string> = {};
  if (offset + settings.pageSize < all.length) {
    const next = new URL(
      `${ctx.urls.apiBaseUrl}/api/v1.0/${tenant.tenantId}/activity/feed/subscriptions/${operation}`,
    );
    next.searchParams.set('contentType', ct.contentType);
    // The next page keeps the window of the first one, even when the first call gave none.
    next.searchParams.set('startTime', startTime ?? new Date(window.startMs).toISOString());
    next.searchParams.set('endTime', endTime ?? new Date(window.endMs).toISOString());
    for (const [name, value] of req.query) {
      if (name.toLowerCase() === 'publisheridentifier') next.searchParams.set(name, value);
    }
    next.searchParams.set('nextPage', ctx.pageTokens.issue(scope, offset + settings.pageSize));
    headers[settings.pagingHeader] = next.toString();
  }
  return { status: 200, headers, body: page };
}

function inWindow(content: StoredContent, window: ContentWindow): boolean {
  return content.createdMs >= window.startMs && content.createdMs < window.endMs;
}

function contentItems(tenant: SimulatedTenant, contentType: ContentType, window: ContentWindow): object[] {
  const out: object[] = [];
  for (const c of tenant.contentOf(contentType)) {
    if (c.createdMs < window.startMs) continue;
    if (c.createdMs >= window.endMs) break;
    if (c.lost) continue;
    out.push({
      contentType: c.contentType,
      contentId: c.contentId,
      contentUri: c.contentUri,
      contentCreated: c.contentCreated,
      contentExpiration: c.contentExpiration,
    });
  }
  return out;
}

function notificationItems(
  tenant: SimulatedTenant,
  contentType: ContentType,
  window: ContentWindow,
): object[] {
  return (tenant.notificationLog.get(contentType) ?? [])
    .filter((entry) => inWindow(entry.content, window))
    .map(({ content: c, notificationSent, notificationStatus }) => ({
      contentType: c.contentType,
      contentId: c.contentId,
      contentUri: c.contentUri,
      contentCreated: c.contentCreated,
      contentExpiration: c.contentExpiration,
      notificationSent,
      notificationStatus,
    }));
}

function fetchContent(ctx: SimulatorContext, tenant: SimulatedTenant, contentId: string): SimResponse {
  if (!isWellFormedContentId(contentId)) return failure(apiErrors.malformedContentId(contentId));
  const content = ctx.directory.findContent(contentId);
  if (!content || content.tenantId !== tenant.tenantId || content.lost) {
    return failure(apiErrors.unknownContent(contentId));
  }
  const problem = subscriptionProblem(tenant.subscriptions.get(content.contentType));
  if (problem) return failure(problem);
  if (content.expiredByHand || ctx.clock().getTime() >= content.expirationMs) {
    return failure(apiErrors.expiredContent(contentId));
  }
  return { status: 200, body: content.body, contentType: 'application/json; charset=utf-8' };
}
