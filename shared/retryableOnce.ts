/**
 * Runs `work` once, shared by concurrent callers; a failure is not kept, so the next call tries
 * again. For set-up that must happen before first use (creating a table or container, seeding the
 * tenant registry) and may fail for a moment.
 */
export function retryableOnce(work: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= work().catch((error: unknown) => {
      done = undefined;
      throw error;
    });
    return done;
  };
}
