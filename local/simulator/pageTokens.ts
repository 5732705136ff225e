/**
 * nextPage tokens for content and notification listings. The real token is opaque
 * (e.g. `2015101900R022885001761`); ours carries the offset of the next page and a short MAC over the
 * listing it belongs to, so a token edited, made up or reused for another query answers AF20031.
 */
import { createHmac, randomBytes } from 'node:crypto';

export class PageTokens {
  private readonly key = randomBytes(32);

  issue(scope: string, offset: number): string {
    const body = String(offset).padStart(9, '0');
    return `${body}R${this.tag(scope, body)}`;
  }

  /** The offset the token points at, or undefined when it is not one of ours for this listing. */
  read(scope: string, token: string): number | undefined {
    const m = /^(\d{9})R([0-9a-f]{12})$/.exec(token);
    if (!m || this.tag(scope, m[1]) !== m[2]) return undefined;
    return Number(m[1]);
  }

  private tag(scope: string, body: string): string {
    return createHmac('sha256', this.key).update(`${scope}|${body}`).digest('hex').slice(0, 12);
  }
}
