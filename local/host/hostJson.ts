/**
 * The `extensions.queues` section of host.json, read and defaulted the way the Functions host does,
 * so the local host retries, poisons and batches queue messages exactly as Azure will.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** host.json `extensions.queues`, as written in the file (time spans as "hh:mm:ss"). */
export interface HostJsonQueues {
  batchSize?: number;
  newBatchThreshold?: number;
  maxDequeueCount?: number;
  visibilityTimeout?: string;
  maxPollingInterval?: string;
  messageEncoding?: 'base64' | 'none';
}

/** The same settings with every default applied and time spans in milliseconds. */
export interface QueueSettings {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  visibilityTimeoutMs: number;
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
}

export class HostJsonError extends Error {
  override readonly name = 'HostJsonError';
}

// .NET TimeSpan text as host.json uses it: [d.]hh:mm:ss[.fffffff]
const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/;

export function parseTimeSpanMs(text: string): number {
  const m = TIME_SPAN.exec(text.trim());
  if (!m) throw new HostJsonError(`"${text}" is not a time span like "00:00:30"`);
  const [, days, hours, minutes, seconds, fraction] = m;
  const ms = Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
  return (
    (((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000 + ms
  );
}

const queuesSchema = z.object({
  // The Functions host caps batchSize at 32, the most one Get Messages call returns.
  batchSize: z.number().int().min(1).max(32).optional(),
  newBatchThreshold: z.number().int().min(0).optional(),
  maxDequeueCount: z.number().int().min(1).optional(),
  visibilityTimeout: z.string().optional(),
  maxPollingInterval: z.string().optional(),
  messageEncoding: z.enum(['base64', 'none']).optional(),
});

/** Applies the Functions host defaults (batchSize 16, threshold batchSize/2, 5 dequeues, 0 s, 1 min, base64). */
export function queueSettings(queues: HostJsonQueues = {}): QueueSettings {
  const parsed = queuesSchema.safeParse(queues);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new HostJsonError(`host.json extensions.queues is invalid: ${issues}`);
  }
  const q = parsed.data;
  const batchSize = q.batchSize ?? 16;
  const maxPollingIntervalMs = parseTimeSpanMs(q.maxPollingInterval ?? '00:01:00');
  // The Functions host refuses polling intervals under 100 ms.
  if (maxPollingIntervalMs < 100) {
    throw new HostJsonError(`host.json extensions.queues.maxPollingInterval must be at least 100 ms`);
  }
  return {
    batchSize,
    newBatchThreshold: Math.min(q.newBatchThreshold ?? Math.floor(batchSize / 2), batchSize - 1),
    maxDequeueCount: q.maxDequeueCount ?? 5,
    visibilityTimeoutMs: parseTimeSpanMs(q.visibilityTimeout ?? '00:00:00'),
    maxPollingIntervalMs,
    messageEncoding: q.messageEncoding ?? 'base64',
  };
}

/** Reads `extensions.queues` from the repository's host.json (found by walking up from this file). */
export function readRepoHostJsonQueues(startDir: string = __dirname): HostJsonQueues {
  let dir = startDir;
  for (;;) {
    const candidate = path.join(dir, 'host.json');
    if (existsSync(candidate)) {
      const json = JSON.parse(readFileSync(candidate, 'utf8')) as {
        extensions?: { queues?: HostJsonQueues };
      };
      return json.extensions?.queues ?? {};
    }
    const parent = path.dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
}
