/**
 * One event stream read once and handed to several sinks. Each sink reads at its own pace through a
 * small queue; the source is read only when every sink still reading has room, so the slowest sink
 * sets the pace and memory stays bounded by `bufferSize` events per sink. A sink that stops reading
 * (it finished early, was put off or failed) is detached and no longer holds the others back. An
 * error of the source reaches every sink still reading, and is kept for the caller.
 */
export interface Broadcast<T> {
  readonly streams: AsyncIterable<T>[];
  /** Stops waiting for one reader (idempotent). */
  detach(index: number): void;
  /** The source's own error, when it failed. */
  readonly sourceError: unknown;
  readonly sourceFailed: boolean;
}

export function broadcast<T>(source: AsyncIterable<T>, readers: number, bufferSize = 64): Broadcast<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queues: T[][] = Array.from({ length: readers }, () => []);
  const attached: boolean[] = Array.from({ length: readers }, () => true);
  let ended = false;
  let failed = false;
  let error: unknown;
  let reading: Promise<void> | undefined;
  let waiters: Array<() => void> = [];

  const wake = (): void => {
    const current = waiters;
    waiters = [];
    for (const w of current) w();
  };
  const changed = (): Promise<void> => new Promise((resolve) => waiters.push(resolve));
  const hasRoom = (): boolean => queues.every((q, i) => !attached[i] || q.length < bufferSize);

  const readOne = (): Promise<void> => {
    reading ??= iterator
      .next()
      .then(
        (r) => {
          if (r.done) ended = true;
          else queues.forEach((q, i) => attached[i] && q.push(r.value));
        },
        (e: unknown) => {
          failed = true;
          error = e;
        },
      )
      .finally(() => {
        reading = undefined;
        wake();
      });
    return reading;
  };

  const detach = (index: number): void => {
    if (!attached[index]) return;
    attached[index] = false;
    queues[index] = [];
    wake();
    // Nobody reads any more: let the source release what it holds (an HTTP response, a file).
    if (attached.every((a) => !a) && !ended && !failed) {
      ended = true;
      void Promise.resolve(reading)
        .then(() => iterator.return?.())
        .catch(() => undefined);
    }
  };

  const streamFor = (index: number): AsyncIterable<T> => ({
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<T>> {
        for (;;) {
          if (!attached[index]) return { done: true, value: undefined };
          const queue = queues[index];
          if (queue.length > 0) {
            const value = queue.shift() as T;
            wake();
            return { done: false, value };
          }
          if (failed) throw error;
          if (ended) return { done: true, value: undefined };
          if (reading || !hasRoom()) await changed();
          else await readOne();
        }
      },
      async return(): Promise<IteratorResult<T>> {
        detach(index);
        return { done: true, value: undefined };
      },
    }),
  });

  return {
    streams: queues.map((_, i) => streamFor(i)),
    detach,
    get sourceError() {
      return error;
    },
    get sourceFailed() {
      return failed;
    },
  };
}
