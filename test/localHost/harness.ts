/** Shared helpers for the local host tests: tiny definitions, unique queue names, base64 messages. */
import { randomBytes } from 'node:crypto';
import { developmentConnectionString } from '../../local/azurite';

/** A syntactically valid connection string for suites that define no queue functions. */
export const unusedStorage = developmentConnectionString({ blob: 1, queue: 1, table: 1 });

export function uniqueQueueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Polls until `check` holds; the test's own timeout bounds it (no timing is asserted). */
export async function eventually(check: () => boolean | Promise<boolean>, intervalMs = 20): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, intervalMs));
}

export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
