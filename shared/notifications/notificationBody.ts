/**
 * Classifies a webhook POST body. Microsoft sends two kinds to the same address: the validation
 * handshake (a Webhook-ValidationCode header and a JSON object with validationCode) and content
 * notifications (a JSON array). Its notifications carry `Content-Type: application/json; utf-8`,
 * which is not a valid charset parameter, so the body is decoded as UTF-8 ourselves.
 */
export type WebhookBody =
  | { kind: 'validation'; validationCode: string }
  | { kind: 'notifications'; items: unknown[] }
  | { kind: 'invalid'; reason: string };

export function classifyWebhookBody(raw: Uint8Array, validationHeader: string | null): WebhookBody {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (validationHeader !== null && text.trim() === '') {
    return { kind: 'validation', validationCode: validationHeader };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { kind: 'invalid', reason: `body is not valid JSON (${(e as Error).message})` };
  }
  if (Array.isArray(value)) {
    if (validationHeader !== null) return { kind: 'validation', validationCode: validationHeader };
    return { kind: 'notifications', items: value };
  }
  if (value !== null && typeof value === 'object') {
    const code = (value as { validationCode?: unknown }).validationCode;
    if (typeof code === 'string' || validationHeader !== null) {
      return {
        kind: 'validation',
        validationCode: typeof code === 'string' ? code : (validationHeader ?? ''),
      };
    }
    return { kind: 'invalid', reason: 'expected a JSON array of notifications or a validation object' };
  }
  return { kind: 'invalid', reason: 'expected a JSON array of notifications or a validation object' };
}
