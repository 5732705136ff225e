/**
 * The queue message that carries one content blob from the webhook (or backfill) to the fetch
 * function. One rule for encoding everywhere: JSON, base64-encoded, because the Functions queue
 * trigger defaults to base64 and rejects anything else.
 */
import { z } from 'zod';
import { CONTENT_TYPES, ContentType } from './contentTypes';

export type ContentSource = 'webhook' | 'backfill' | 'replay';

export interface ContentMessage {
  tenantId: string;
  clientId?: string;
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated?: string;
  contentExpiration?: string;
  source: ContentSource;
  /** When we enqueued it (ISO 8601), for lag metrics. */
  enqueuedAt: string;
  /**
   * How often the fetch was put off because Microsoft throttled us or failed transiently. Those
   * waits are taken as new delayed messages so they do not use up the queue's dequeue count.
   */
  deferrals?: number;
  /**
   * How often the fetch waited because another worker held the blob's claim. Kept apart from
   * `deferrals`: waiting for a live claim never turns into a failure, however long it takes.
   */
  claimWaits?: number;
}

const contentMessageSchema = z.object({
  tenantId: z.string().min(1),
  clientId: z.string().optional(),
  contentType: z.enum(CONTENT_TYPES),
  contentId: z.string().min(1),
  contentUri: z.string().min(1),
  contentCreated: z.string().optional(),
  contentExpiration: z.string().optional(),
  source: z.enum(['webhook', 'backfill', 'replay']),
  enqueuedAt: z.string(),
  deferrals: z.number().int().nonnegative().optional(),
  claimWaits: z.number().int().nonnegative().optional(),
});

export class InvalidContentMessageError extends Error {
  constructor(readonly reason: string) {
    super(`invalid content message: ${reason}`);
    this.name = 'InvalidContentMessageError';
  }
}

export function encodeContentMessage(message: ContentMessage): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

/**
 * Accepts what a queue trigger hands over: the Functions host gives an already-decoded object (or a
 * string when the body is not JSON); a raw queue read gives base64 text.
 */
export function parseContentMessage(input: unknown): ContentMessage {
  let value: unknown = input;
  if (typeof value === 'string') {
    const text =
      /^[A-Za-z0-9+/=\s]+$/.test(value) && !value.trim().startsWith('{')
        ? Buffer.from(value, 'base64').toString('utf8')
        : value;
    try {
      value = JSON.parse(text);
    } catch {
      throw new InvalidContentMessageError('body is not JSON');
    }
  }
  const parsed = contentMessageSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidContentMessageError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}
