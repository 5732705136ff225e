/**
 * Building request URLs. Content URIs and paging links come from the API and are used verbatim:
 * contentIds hold "$" characters that a URL serializer would leave alone but a careless rebuild
 * could re-encode, so we only ever append text to them.
 */

export interface FeedScope {
  tenantId: string;
  apiBaseUrl: string;
}

/** `${apiBaseUrl}/api/v1.0/${tenantId}/activity/feed/${operation}?query`, PublisherIdentifier included. */
export function feedUrl(
  scope: FeedScope,
  operation: string,
  query: Readonly<Record<string, string>>,
  publisherId: string,
): string {
  const base = scope.apiBaseUrl.replace(/\/+$/, '');
  const params = new URLSearchParams(query);
  params.set('PublisherIdentifier', publisherId);
  return `${base}/api/v1.0/${encodeURIComponent(scope.tenantId)}/activity/feed/${operation}?${params.toString()}`;
}

/**
 * Appends PublisherIdentifier to a URL the API gave us, keeping every existing character. The API
 * (and a production client that sends "publisherIdentifier") treats the name case-insensitively,
 * so an existing one in any case is left as it is rather than sent twice.
 */
export function withPublisherIdentifier(url: string, publisherId: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt !== -1) {
    const names = beforeHash
      .slice(queryAt + 1)
      .split('&')
      .map((pair) => safeDecode(pair.split('=')[0] ?? '').toLowerCase());
    if (names.includes('publisheridentifier')) return url;
  }
  const separator = queryAt === -1 ? '?' : beforeHash.endsWith('?') || beforeHash.endsWith('&') ? '' : '&';
  return `${beforeHash}${separator}PublisherIdentifier=${encodeURIComponent(publisherId)}${hash}`;
}

/**
 * The API's accepted time formats are YYYY-MM-DD, YYYY-MM-DDTHH:MM and YYYY-MM-DDTHH:MM:SS (UTC);
 * milliseconds are dropped, so consecutive windows must share their boundary instants.
 */
export function formatWindowTime(time: Date): string {
  return time.toISOString().slice(0, 19);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
