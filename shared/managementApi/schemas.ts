/**
 * The shapes the API answers with, checked with zod. A wrong shape becomes a typed error naming
 * the field, not a crash three modules later.
 */
import { z } from 'zod';
import { CONTENT_TYPES, ContentType } from '../contentTypes';

/** Content types compared case-insensitively and returned in their documented spelling. */
const contentTypeSchema = z.string().transform((value, ctx): ContentType => {
  const match = CONTENT_TYPES.find((ct) => ct.toLowerCase() === value.toLowerCase());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `unknown content type "${value}"` });
    return z.NEVER;
  }
  return match;
});

const webhookSchema = z.object({
  status: z.string().default('unknown'),
  address: z.string(),
  authId: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  // The docs' sample sends "" and answers null; real listings have shown "" too.
  expiration: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
});

export const subscriptionSchema = z.object({
  contentType: contentTypeSchema,
  // The docs' listing sample omits status on one item; real answers include it.
  status: z.string().default('unknown'),
  webhook: webhookSchema.nullish().transform((v) => v ?? null),
});

export const subscriptionListSchema = z.array(subscriptionSchema);

export const availableContentSchema = z.object({
  contentType: contentTypeSchema,
  contentId: z.string().min(1),
  contentUri: z.string().min(1),
  contentCreated: z.string().min(1),
  contentExpiration: z.string().min(1),
});

export const availableContentListSchema = z.array(availableContentSchema);

export const notificationRecordSchema = availableContentSchema.extend({
  notificationSent: z.string(),
  notificationStatus: z.string(),
  tenantId: z.string().optional(),
  clientId: z.string().optional(),
});

export const notificationListSchema = z.array(notificationRecordSchema);

/** One DLP sensitive information type of `resources/dlpSensitiveTypes`: `{id, name}`. */
export const dlpSensitiveTypeSchema = z.object({ id: z.string().min(1), name: z.string().min(1) });
export const dlpSensitiveTypeListSchema = z.array(dlpSensitiveTypeSchema);

export type Subscription = z.output<typeof subscriptionSchema>;
export type DlpSensitiveType = z.output<typeof dlpSensitiveTypeSchema>;
export type SubscriptionWebhook = NonNullable<Subscription['webhook']>;
export type AvailableContent = z.output<typeof availableContentSchema>;
export type NotificationRecord = z.output<typeof notificationRecordSchema>;

/** `{"error":{"code":"AF…","message":"…"}}`, the documented error body. */
export const apiErrorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
});

/** One line naming every problem, e.g. "[0].contentUri: expected string, received undefined". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(
      (issue) =>
        `${issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : 'body'}: ${issue.message}`,
    )
    .join('; ');
}
