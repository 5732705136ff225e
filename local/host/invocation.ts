/**
 * What every trigger shares: a real InvocationContext whose log calls reach our Logger, and the
 * per-function success/failure counts and in-flight tracking that stop() and whenQueuesIdle() need.
 */
import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import {
  InvocationContext,
  type LogLevel as FunctionsLogLevel,
  type TriggerMetadata,
} from '@azure/functions';
import type { Logger } from '../../shared/log';

export type TriggerType = 'httpTrigger' | 'queueTrigger' | 'timerTrigger';

export function createInvocationContext(
  functionName: string,
  triggerType: TriggerType,
  logger: Logger,
  triggerMetadata?: TriggerMetadata,
): InvocationContext {
  const invocationId = randomUUID();
  const fields = { functionName, invocationId };
  return new InvocationContext({
    functionName,
    invocationId,
    triggerMetadata,
    // Azure names the binding after its type plus a hash; handlers should not depend on the name.
    options: { trigger: { type: triggerType, name: triggerType } },
    logHandler: (level: FunctionsLogLevel, ...args: unknown[]) => {
      const text = format(...args);
      if (level === 'trace' || level === 'debug') logger.debug(text, fields);
      else if (level === 'warning') logger.warn(text, fields);
      else if (level === 'error' || level === 'critical') logger.error(text, fields);
      else if (level !== 'none') logger.info(text, fields);
    },
  });
}

export interface HostStats {
  invocations: Record<string, { succeeded: number; failed: number }>;
  poisoned: number;
}

/** Counts invocations and knows which are still running, so shutdown can wait for them. */
export class InvocationTracker {
  private readonly counts: HostStats['invocations'] = {};
  private poisonedCount = 0;
  private readonly running = new Set<Promise<unknown>>();

  get inFlight(): number {
    return this.running.size;
  }

  /** Runs one invocation, counting its outcome; the returned promise settles like `work`. */
  track<T>(functionName: string, work: () => Promise<T>): Promise<T> {
    const counts = (this.counts[functionName] ??= { succeeded: 0, failed: 0 });
    const run = (async () => {
      try {
        const result = await work();
        counts.succeeded++;
        return result;
      } catch (error) {
        counts.failed++;
        throw error;
      }
    })();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return run;
  }

  /** Counts work that is not an invocation (e.g. settling a queue message) as in flight. */
  hold<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return work;
  }

  recordPoisoned(): void {
    this.poisonedCount++;
  }

  /** Resolves once nothing is running, including work started while waiting. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  stats(): HostStats {
    const invocations: HostStats['invocations'] = {};
    for (const [name, c] of Object.entries(this.counts)) invocations[name] = { ...c };
    return { invocations, poisoned: this.poisonedCount };
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
