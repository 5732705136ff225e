import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares the Webhook-AuthID header with the configured value in constant time. Both sides are
 * hashed first so that neither the length nor the content leaks through timing.
 */
export function authIdMatches(received: string | null | undefined, expected: string): boolean {
  if (received === null || received === undefined) return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
