/**
 * Runs `task` over `items` with at most `limit` in flight and reports every outcome in input order.
 * Storage calls are cheap but not free: a small bound keeps a large backfill listing or webhook batch
 * from opening hundreds of sockets at once.
 */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export async function settleWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  const results: Settled<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { ok: true, value: await task(items[index], index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
