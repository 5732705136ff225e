/**
 * Helpers that run in their own process during benchmarks, so that the measured process holds only
 * the receiver: its memory and CPU figures are then the receiver's, not the stand-ins'.
 * Requests and answers travel over the fork IPC channel as `{ id, ... }` objects.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface HelperProcess {
  call<T>(request: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export function startHelper(file: string): HelperProcess {
  // fork keeps process.execArgv, so a helper written in TypeScript runs under the same tsx loader.
  // Benchmarks run compiled (.js) or under tsx (.ts): the helper has this file's extension.
  const resolved = path.join(__dirname, file.replace(/\.(ts|js)$/, path.extname(__filename)));
  const child: ChildProcess = fork(resolved, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let serial = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (raw) => {
    const answer = raw as { id: number; error?: string; value?: unknown };
    const waiter = pending.get(answer.id);
    if (!waiter) return;
    pending.delete(answer.id);
    if (answer.error !== undefined) waiter.reject(new Error(answer.error));
    else waiter.resolve(answer.value);
  });
  child.on('exit', (code) => {
    for (const w of pending.values()) w.reject(new Error(`${file} exited with code ${code}`));
    pending.clear();
  });
  return {
    call: <T>(request: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        const id = ++serial;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, ...request });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        if (child.connected) child.send({ id: 0, op: 'stop' });
        else child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** The child side: answers each request with what `handle` returns, exits after `stop`. */
export function serveRequests(
  handle: (request: { op: string } & Record<string, unknown>) => Promise<unknown>,
  onStop: () => Promise<void>,
): void {
  process.on('message', (raw) => {
    const request = raw as { id: number; op: string } & Record<string, unknown>;
    if (request.op === 'stop') {
      void onStop().finally(() => process.exit(0));
      return;
    }
    handle(request).then(
      (value) => process.send?.({ id: request.id, value }),
      (error: unknown) => process.send?.({ id: request.id, error: (error as Error).stack ?? String(error) }),
    );
  });
}
