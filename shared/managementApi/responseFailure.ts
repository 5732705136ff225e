/**
 * Turns a failed HTTP answer into a ManagementApiError. Pure: status, headers and body text in,
 * typed error out. The error code is read from the documented JSON body, and failing that from the
 * text, since troubleshooting pages show AF429 in a body quoted with single quotes.
 */
import { classifyApiFailure } from './errorClassification';
import { ManagementApiError, ManagementOperation } from './errors';
import { parseRetryAfter } from './retryPolicy';
import { apiErrorBodySchema } from './schemas';

export interface FailedAnswer {
  operation: ManagementOperation;
  statusCode: number;
  headers: Pick<Headers, 'get'>;
  bodyText: string;
  /** The local clock when the answer arrived. */
  now: Date;
}

export function readApiErrorBody(bodyText: string): { code?: string; message?: string } {
  try {
    const parsed = apiErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) return { code: parsed.data.error.code, message: parsed.data.error.message };
  } catch {
    // Not JSON: look for a code in the text below.
  }
  const code = /\bAF\d{3,5}\b/.exec(bodyText)?.[0];
  return { code };
}

export function serverClock(
  headers: Pick<Headers, 'get'>,
  now: Date,
): { serverDate?: Date; clockSkewMs?: number } {
  const raw = headers.get('date');
  if (!raw) return {};
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return {};
  return { serverDate: new Date(at), clockSkewMs: at - now.getTime() };
}

export function apiErrorFromAnswer(answer: FailedAnswer): ManagementApiError {
  const { code, message } = readApiErrorBody(answer.bodyText);
  const classification = classifyApiFailure({ statusCode: answer.statusCode, code });
  const said = message ?? (answer.bodyText.trim() === '' ? 'no body' : truncate(answer.bodyText.trim(), 300));
  return new ManagementApiError(
    `${answer.operation} failed: HTTP ${answer.statusCode}${code ? ` ${code}` : ''}: ${said}`,
    {
      operation: answer.operation,
      classification,
      statusCode: answer.statusCode,
      code,
      retryAfterMs: parseRetryAfter(answer.headers.get('retry-after'), answer.now),
      receivedAt: answer.now,
      ...serverClock(answer.headers, answer.now),
    },
  );
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
