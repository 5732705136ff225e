/**
 * Paging of /subscriptions/content and /subscriptions/notifications: a truncated answer names the
 * next page in a response header, and the caller repeats until no such header comes back.
 */

// The reference calls the header NextPageUri; the troubleshooting page calls it NextPageUrl.
// Both have been seen in the wild, so both are read (Headers.get is case-insensitive).
const NEXT_PAGE_HEADERS = ['NextPageUri', 'NextPageUrl'] as const;

export function nextPageLink(headers: Pick<Headers, 'get'>): string | undefined {
  for (const name of NEXT_PAGE_HEADERS) {
    const value = headers.get(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/** An async iterator of items that can also be walked page by page, as Azure SDK listings are. */
export interface PagedAsyncIterableIterator<T> extends AsyncIterableIterator<T> {
  byPage(): AsyncIterableIterator<T[]>;
}

export function pagedIterator<T>(pages: () => AsyncIterableIterator<T[]>): PagedAsyncIterableIterator<T> {
  let items: AsyncIterableIterator<T> | undefined;
  const itemsOf = (): AsyncIterableIterator<T> =>
    (items ??= (async function* () {
      for await (const page of pages()) yield* page;
    })());
  return {
    next: () => itemsOf().next(),
    return: (value?: unknown) =>
      itemsOf().return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
    [Symbol.asyncIterator]() {
      return this;
    },
    byPage: () => pages(),
  };
}
