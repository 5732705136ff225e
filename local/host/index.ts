/**
 * The in-process local Functions host: runs the same FunctionDefinitions that index.ts registers
 * with @azure/functions, for `npm start` and the end-to-end tests, where Azure Functions Core Tools
 * cannot be installed. HTTP functions are served under /api, queue functions poll Azurite with the
 * host.json queue settings, and timer functions follow their NCRONTAB schedules.
 */
import { randomBytes } from 'node:crypto';
import { QueueServiceClient } from '@azure/storage-queue';
import type {
  FunctionDefinition,
  HttpFunctionDefinition,
  QueueFunctionDefinition,
  TimerFunctionDefinition,
} from '../../functions/definition';
import { createLogger, type Logger } from '../../shared/log';
import { queueSettings, readRepoHostJsonQueues, type HostJsonQueues } from './hostJson';
import { startHttpListener } from './httpListener';
import { InvocationTracker, errorMessage, type HostStats } from './invocation';
import { QueuePoller } from './queuePoller';
import { TimerSchedule } from './timerSchedule';

export type { HostJsonQueues } from './hostJson';
export type { HostStats } from './invocation';

export interface LocalHostOptions {
  /** 0 or absent picks a free port; `npm start` passes 7071. */
  port?: number;
  /** Azurite (or any storage account) connection string for the queue triggers. */
  storageConnectionString: string;
  /** Replaces the repository's host.json `extensions.queues`; fields left out take the Functions defaults. */
  hostJson?: HostJsonQueues;
  /** Accepted as the `x-functions-key` header or `code` query for authLevel 'function'; random by default. */
  functionKey?: string;
  /** Receives function logs (context.log etc.) and host logs; console by default. */
  logger?: Logger;
  /** 'schedule' (default) runs timers on their schedule; 'manual' only through triggerTimer. */
  timers?: 'schedule' | 'manual';
  /** Idle queue polling backs off from min to max; default 100 ms to host.json maxPollingInterval. */
  pollIntervalMs?: { min: number; max: number };
  /** Largest request body read (default 100 MiB like the Functions host); larger gets 413. */
  maxBodyBytes?: number;
  /** Visibility lease while a queue message is processed, renewed at half-time (default 300 s). */
  queueLeaseSeconds?: number;
}

export interface LocalHost {
  /** http://127.0.0.1:<port> */
  url: string;
  functionKey: string;
  /** Runs that timer function once now; resolves when done, rejects with its error. */
  triggerTimer(name: string): Promise<void>;
  /** Resolves when every polled queue is empty and no invocation is in flight. */
  whenQueuesIdle(options?: { timeoutMs?: number }): Promise<void>;
  stats(): HostStats;
  /** Stops accepting work, waits for in-flight invocations, stops timers and pollers. */
  stop(): Promise<void>;
}

export class LocalHostError extends Error {
  override readonly name = 'LocalHostError';
}

const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;
// Idle must be seen this many times in a row: a handler may enqueue for another queue between checks.
const IDLE_CONFIRMATIONS = 3;

const consoleLogger: Logger = createLogger((level, line) => {
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
});

function checkDefinitions(definitions: FunctionDefinition[]): void {
  const seen = new Set<string>();
  for (const d of definitions) {
    if (seen.has(d.name)) throw new LocalHostError(`Two functions are named "${d.name}"`);
    seen.add(d.name);
  }
}

export async function startLocalHost(
  definitions: FunctionDefinition[],
  options: LocalHostOptions,
): Promise<LocalHost> {
  checkDefinitions(definitions);
  const logger = options.logger ?? consoleLogger;
  const settings = queueSettings(options.hostJson ?? readRepoHostJsonQueues());
  const pollIntervalMs = options.pollIntervalMs ?? { min: 100, max: settings.maxPollingIntervalMs };
  const functionKey = options.functionKey ?? randomBytes(24).toString('base64url');
  const tracker = new InvocationTracker();

  const http = definitions.filter((d): d is HttpFunctionDefinition => d.kind === 'http');
  const queues = definitions.filter((d): d is QueueFunctionDefinition => d.kind === 'queue');
  const timerDefinitions = definitions.filter((d): d is TimerFunctionDefinition => d.kind === 'timer');

  // Schedules are parsed before anything starts, so a bad one fails start-up with its reason.
  const timers = new Map(timerDefinitions.map((d) => [d.name, new TimerSchedule(d, logger, tracker)]));

  // Few SDK retries: the poller retries on its own, and stop() should not wait out long back-offs.
  const queueService = QueueServiceClient.fromConnectionString(options.storageConnectionString, {
    retryOptions: { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
  });
  const pollers = queues.map(
    (d) =>
      new QueuePoller(d, {
        queueService,
        settings,
        pollIntervalMs,
        leaseSeconds: options.queueLeaseSeconds ?? 300,
        logger,
        tracker,
      }),
  );

  const listener = await startHttpListener(http, {
    port: options.port ?? 0,
    functionKey,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    logger,
    tracker,
  });
  pollers.forEach((p) => p.start());
  if ((options.timers ?? 'schedule') === 'schedule') timers.forEach((t) => t.start());
  logger.info('local host started', {
    url: listener.url,
    functions: definitions.map((d) => `${d.kind}:${d.name}`),
  });

  let stopping: Promise<void> | undefined;

  const isIdle = async (): Promise<boolean> => {
    if (tracker.inFlight > 0) return false;
    const idle = await Promise.all(pollers.map((p) => p.isIdle()));
    return idle.every(Boolean) && tracker.inFlight === 0;
  };

  return {
    url: listener.url,
    functionKey,

    triggerTimer: async (name) => {
      const timer = timers.get(name);
      if (!timer) throw new LocalHostError(`No timer function is named "${name}"`);
      await timer.trigger();
    },

    whenQueuesIdle: async ({ timeoutMs = 30000 } = {}) => {
      const deadline = Date.now() + timeoutMs;
      let confirmations = 0;
      let lastError: unknown;
      while (confirmations < IDLE_CONFIRMATIONS) {
        if (Date.now() > deadline) {
          const reason = lastError ? `; last check failed: ${errorMessage(lastError)}` : '';
          throw new LocalHostError(
            `Queues not idle after ${timeoutMs} ms (${tracker.inFlight} invocations in flight${reason})`,
          );
        }
        try {
          confirmations = (await isIdle()) ? confirmations + 1 : 0;
          lastError = undefined;
        } catch (error) {
          confirmations = 0;
          lastError = error;
        }
        if (confirmations < IDLE_CONFIRMATIONS) await new Promise((r) => setTimeout(r, 25));
      }
    },

    stats: () => tracker.stats(),

    stop: () =>
      (stopping ??= (async () => {
        timers.forEach((t) => t.stop());
        const closed = listener.close();
        await Promise.all(pollers.map((p) => p.stop()));
        await tracker.drain();
        await closed;
        logger.info('local host stopped', { url: listener.url });
      })()),
  };
}
