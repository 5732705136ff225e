/**
 * The SSRF guard: a contentUri arrives from the network (a webhook POST anyone can forge, or a
 * listing), and we attach a bearer token to it. It must therefore point at the tenant's own API
 * host and the tenant's own feed, in a form that no URL parser can read two ways.
 * Pure: the webhook validates notifications with the same function.
 */
import { ContentUriRejectedError, ContentUriRejection } from './errors';

export interface ApiUrlScope {
  tenantId: string;
  /** The tenant's cloud API base URL, e.g. https://manage.office.com (a port is part of the origin). */
  apiBaseUrl: string;
}

export interface ContentUriProblem {
  reason: ContentUriRejection;
  detail: string;
}

const MAX_URI_LENGTH = 4096;
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// A content blob: exactly one opaque id segment under .../activity/feed/audit/.
const CONTENT_PATH = new RegExp(`^/api/v1\\.0/(${GUID})/activity/feed/audit/[^/]+$`, 'i');
// Paging links: the docs' own NextPageUri example says /api/v1/ where every other URL says /api/v1.0/.
const FEED_PATH = new RegExp(`^/api/v1(?:\\.0)?/(${GUID})/activity/feed/subscriptions/[A-Za-z]+$`, 'i');
// Forms a parser may normalize into another path: dot segments (plain or encoded), encoded
// slashes or backslashes, raw backslashes, and anything but printable ASCII (spaces, controls).
const PATH_TRICKS = /(^|\/)\.{1,2}(\/|$)|%2e|%2f|%5c|\\|[^!-~]/i;

/**
 * Why a contentUri must not receive a token, or undefined when it may. A content blob's address has
 * no query: the only parameter the API takes there (PublisherIdentifier) is ours to add, and a query
 * that arrives with the URI could steer the request in ways the path check does not see.
 */
export function contentUriProblem(contentUri: unknown, scope: ApiUrlScope): ContentUriProblem | undefined {
  return apiUrlProblem(
    contentUri,
    scope,
    CONTENT_PATH,
    'a content blob under /api/v1.0/<tenant>/activity/feed/audit/',
    { queryAllowed: false },
  );
}

/**
 * Why a notification's contentId does not name the blob its contentUri points at, or undefined
 * when it does. The id is what the ledger and the sink path are keyed on, the URI is what is
 * fetched: if they disagree, a sender could have one blob recorded under another's id. The last
 * path segment is compared as it is and percent-decoded, since the docs show the `$`s unencoded but
 * a proxy may encode them.
 */
export function contentIdMismatch(contentId: string, contentUri: string): string | undefined {
  const path = contentUri.split(/[?#]/)[0] ?? '';
  const segment = path.slice(path.lastIndexOf('/') + 1);
  if (segment === contentId || safeDecode(segment) === contentId) return undefined;
  return 'contentId is not the last path segment of contentUri';
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Throws ContentUriRejectedError unless the contentUri may receive a token; returns it unchanged. */
export function assertContentUriAllowed(contentUri: unknown, scope: ApiUrlScope): string {
  const problem = contentUriProblem(contentUri, scope);
  if (problem) throw new ContentUriRejectedError(problem.reason, problem.detail, preview(contentUri));
  return contentUri as string;
}

/** The same rules for a NextPageUri/NextPageUrl answer header, which also receives our token. */
export function pageLinkProblem(link: unknown, scope: ApiUrlScope): ContentUriProblem | undefined {
  return apiUrlProblem(
    link,
    scope,
    FEED_PATH,
    'a listing under /api/v1.0/<tenant>/activity/feed/subscriptions/',
    // The next page is named by its query (contentType, startTime, endTime, nextPage).
    { queryAllowed: true },
  );
}

function apiUrlProblem(
  raw: unknown,
  scope: ApiUrlScope,
  pathRule: RegExp,
  expected: string,
  rules: { queryAllowed: boolean },
): ContentUriProblem | undefined {
  if (typeof raw !== 'string')
    return { reason: 'notAString', detail: `expected a string, got ${typeof raw}` };
  if (raw.length > MAX_URI_LENGTH) {
    return { reason: 'tooLong', detail: `${raw.length} characters, at most ${MAX_URI_LENGTH} allowed` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: 'notAUrl', detail: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:') return { reason: 'notHttps', detail: `scheme ${url.protocol} is not https` };
  // Read on the raw text too: "https://@host" parses to an empty username, and "https:host" or
  // "https:///host" parse to a host the text does not plainly show.
  const authority = /^https:\/\/([^/?#\\]*)/i.exec(raw)?.[1];
  if (url.username !== '' || url.password !== '' || authority?.includes('@')) {
    return { reason: 'hasUserinfo', detail: 'credentials in the URL are not allowed' };
  }
  if (authority === undefined || authority.toLowerCase() !== url.host) {
    return { reason: 'notAUrl', detail: 'not plainly of the form https://host/path' };
  }
  const expectedOrigin = new URL(scope.apiBaseUrl).origin;
  if (url.origin !== expectedOrigin) {
    return {
      reason: 'wrongOrigin',
      detail: `origin ${url.origin} is not the tenant's API host ${expectedOrigin}`,
    };
  }
  const rawPath = raw.slice('https://'.length + authority.length).split(/[?#]/)[0] ?? '';
  if (PATH_TRICKS.test(rawPath)) {
    return {
      reason: 'pathTrick',
      detail: 'dot segments, encoded slashes, backslashes, spaces or non-ASCII in the path',
    };
  }
  if (url.hash !== '' || raw.includes('#'))
    return { reason: 'hasFragment', detail: 'a fragment is not allowed' };
  if (!rules.queryAllowed && (url.search !== '' || raw.includes('?')))
    return { reason: 'hasQuery', detail: 'a query string is not allowed on a content blob address' };
  const match = pathRule.exec(url.pathname);
  if (!match || url.pathname !== rawPath)
    return { reason: 'wrongPath', detail: `the path is not ${expected}` };
  if (match[1]!.toLowerCase() !== scope.tenantId.toLowerCase()) {
    return { reason: 'wrongTenant', detail: `the path names tenant ${match[1]}, not ${scope.tenantId}` };
  }
  return undefined;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
