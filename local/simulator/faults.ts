/**
 * Faults on demand: rules a test adds, each taking the next N matching requests. A rule is matched in
 * the order added; a request takes at most one rule.
 */
import { apiErrors, errorBody } from './apiErrors';
import type { FaultBook as PublicFaultBook, FaultOperation, FaultRule } from './model';
import type { SimResponse } from './httpsListener';

export interface FaultTarget {
  operation: Exclude<FaultOperation, 'any'> | 'discovery';
  tenantId?: string;
  contentId?: string;
}

export interface FaultBook extends PublicFaultBook {
  /** Consumes one use of the first rule that matches, if any. */
  take(target: FaultTarget): FaultRule | undefined;
}

export function createFaultBook(clock: () => Date = () => new Date()): FaultBook {
  const rules: { rule: FaultRule; left: number; until?: number }[] = [];
  const dropLapsed = () => {
    const now = clock().getTime();
    for (let i = rules.length - 1; i >= 0; i--) {
      const until = rules[i].until;
      if (until !== undefined && now >= until) rules.splice(i, 1);
    }
  };
  return {
    add(rule) {
      if (rule.durationMs !== undefined) {
        if (!Number.isFinite(rule.durationMs) || rule.durationMs <= 0) {
          throw new RangeError('fault durationMs must be a positive number');
        }
        rules.push({ rule: { ...rule }, left: Infinity, until: clock().getTime() + rule.durationMs });
        return;
      }
      const left = rule.times ?? 1;
      if (!Number.isInteger(left) || left < 1) throw new RangeError(`fault times must be a positive integer`);
      rules.push({ rule: { ...rule }, left });
    },
    clear() {
      rules.length = 0;
    },
    pending() {
      dropLapsed();
      return rules.map(({ rule, left }) => (Number.isFinite(left) ? { ...rule, times: left } : { ...rule }));
    },
    take(target) {
      dropLapsed();
      const index = rules.findIndex(({ rule }) => matches(rule, target));
      if (index < 0) return undefined;
      const entry = rules[index];
      entry.left -= 1;
      if (entry.left === 0) rules.splice(index, 1);
      return entry.rule;
    },
  };
}

function matches(rule: FaultRule, target: FaultTarget): boolean {
  if (rule.operation !== 'any' && rule.operation !== target.operation) return false;
  if (rule.tenantId !== undefined && rule.tenantId.toLowerCase() !== target.tenantId?.toLowerCase())
    return false;
  if (rule.contentId !== undefined && rule.contentId !== target.contentId) return false;
  return true;
}

/** The method names AF429 messages carry; "GetBlob" is the one the docs show. */
const METHOD_NAMES: Record<FaultTarget['operation'], string> = {
  token: 'Token',
  discovery: 'Discovery',
  start: 'StartSubscription',
  stop: 'StopSubscription',
  list: 'ListSubscriptions',
  content: 'ListContent',
  notifications: 'ListNotifications',
  fetch: 'GetBlob',
  sensitiveTypes: 'ListDlpSensitiveTypes',
  graph: 'Graph',
};

export function methodNameOf(operation: FaultTarget['operation']): string {
  return METHOD_NAMES[operation];
}

/** Without a PublisherIdentifier the throttling pool is the all-zero GUID, and AF429 says so. */
export const ANONYMOUS_PUBLISHER = '00000000-0000-0000-0000-000000000000';

export type RenderedFault =
  | { kind: 'response'; response: SimResponse }
  | { kind: 'drop' }
  | { kind: 'delay'; delayMs: number }
  /** Answer normally, but send only `afterBytes` of the body, then hang for `stallMs` and cut. */
  | { kind: 'stall'; afterBytes?: number; stallMs?: number };

export function renderFault(
  rule: FaultRule,
  target: FaultTarget,
  publisherId: string | undefined,
): RenderedFault {
  const retryAfter: Record<string, string> =
    rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {};
  const respond = (response: SimResponse): RenderedFault => ({
    kind: 'response',
    response: { ...response, headers: { ...response.headers, ...retryAfter } },
  });
  const method = methodNameOf(target.operation);
  switch (rule.kind) {
    case 'throttle-403':
      // Observed in the wild: the API throttles with HTTP 403 and code AF429, not with 429.
      return respond({
        status: 403,
        body: errorBody(apiErrors.tooManyRequests(403, method, publisherId ?? ANONYMOUS_PUBLISHER)),
      });
    case 'throttle-429':
      return respond({
        status: 429,
        body: errorBody(apiErrors.tooManyRequests(429, method, publisherId ?? ANONYMOUS_PUBLISHER)),
      });
    case 'http-500':
      return respond({ status: 500, body: 'Internal Server Error', contentType: 'text/plain' });
    case 'af50000':
      return respond({ status: 500, body: errorBody(apiErrors.internal()) });
    case 'http-503':
      return respond({
        status: 503,
        body: '<html><body><h1>503 Service Unavailable</h1></body></html>',
        contentType: 'text/html',
      });
    case 'slow':
      return { kind: 'delay', delayMs: rule.delayMs ?? 2000 };
    case 'drop':
      return { kind: 'drop' };
    case 'non-json':
      // A gateway page with a success status: the client must not trust the status alone.
      return respond({
        status: 200,
        body: '<html><head><title>Service</title></head><body>Please try again later.</body></html>',
        contentType: 'text/html; charset=utf-8',
      });
    case 'wrong-shape':
      return respond({ status: 200, body: wrongShapeFor(target.operation) });
    case 'stall-body':
      return { kind: 'stall', afterBytes: rule.afterBytes, stallMs: rule.delayMs };
  }
}

/** Valid JSON that is not what the operation documents: an object where an array belongs, and so on. */
function wrongShapeFor(operation: FaultTarget['operation']): unknown {
  switch (operation) {
    case 'list':
    case 'content':
    case 'notifications':
    case 'fetch':
      return { value: 'not an array', count: 1 };
    case 'start':
      return [{ status: 42 }];
    case 'token':
      return { token_type: 'Bearer', expires_in: 'soon' };
    default:
      return { unexpected: true };
  }
}
