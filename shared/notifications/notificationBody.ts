/**
 * Classifies a webhook POST body. Microsoft sends two kinds to the same address: the validation
 * handshake (a Webhook-ValidationCode header and a JSON object with validationCode) and content
 * notifications (a JSON array). Its notifications carry `Content-Type: application/json; utf-8`,
 * which is not a valid charset parameter, so the body is decoded as UTF-8 here rather than trusting
 * charset negotiation.
 */
export type WebhookBody =
  | { kind: 'validation'; validationCode: string }
  | { kind: 'notifications'; items: unknown[] }
  | { kind: 'invalid'; reason: string };

const EXPECTED = 'expected a JSON array of notifications or a validation object';

export function classifyWebhookBody(raw: Uint8Array, validationHeader: string | null): WebhookBody {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    if (validationHeader !== null) return { kind: 'validation', validationCode: validationHeader };
    return { kind: 'invalid', reason: `the body is empty; ${EXPECTED}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // The handshake needs no body: a validation header with an unreadable body is still answered.
    if (validationHeader !== null) return { kind: 'validation', validationCode: validationHeader };
    return { kind: 'invalid', reason: `body is not valid JSON (${(e as Error).message})` };
  }
  // An array is notifications even beside a validation header: treating it as a handshake would
  // answer 200 and drop its content blobs.
  if (Array.isArray(value)) return { kind: 'notifications', items: value };
  if (value !== null && typeof value === 'object') {
    const code = (value as { validationCode?: unknown }).validationCode;
    if (typeof code === 'string') return { kind: 'validation', validationCode: code };
  }
  if (validationHeader !== null) return { kind: 'validation', validationCode: validationHeader };
  return { kind: 'invalid', reason: EXPECTED };
}
