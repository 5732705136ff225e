/**
 * What a credential backed by a renewable item (a client secret, a certificate) does on every token
 * request: take the item from its store, keep one @azure/identity credential per item version (it
 * holds MSAL's token cache), and when Entra refuses the item, re-read the store once — the item may
 * have been renewed since it was cached — before reporting the refusal.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { aadstsCodeOf } from '../entraErrors';

export interface RotationSpec<Item> {
  load(): Promise<Item>;
  /** Forget the cached item so the next load reads the store. */
  invalidate(): void;
  /** Tells two versions of the item apart (the value, a thumbprint); never logged. */
  identityOf(item: Item): string;
  create(item: Item): TokenCredential;
  /** True for the AADSTS codes that mean "this item is refused" (worth a re-read). */
  isRejection(code: string | undefined): boolean;
  /** The error thrown when the item is refused for good. */
  rejected(code: string, error: unknown): Error;
  /** Told once per failed getToken, with the AADSTS code when Entra gave one; its own failure is ignored. */
  onFailure?(code: string | undefined, error: unknown): void;
}

export class RotatingCredential<Item> implements TokenCredential {
  private current?: { identity: string; credential: TokenCredential };

  constructor(private readonly spec: RotationSpec<Item>) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const item = await this.spec.load();
    try {
      return await this.request(item, scopes, options);
    } catch (first) {
      const code = aadstsCodeOf(first);
      if (!this.spec.isRejection(code)) return this.fail(code, first);

      this.spec.invalidate();
      let fresh: Item;
      try {
        fresh = await this.spec.load();
      } catch {
        // The store cannot tell us anything newer: the refusal is the failure that matters.
        return this.fail(code, first, true);
      }
      if (this.spec.identityOf(fresh) === this.spec.identityOf(item)) return this.fail(code, first, true);
      try {
        return await this.request(fresh, scopes, options);
      } catch (second) {
        const secondCode = aadstsCodeOf(second);
        return this.fail(secondCode, second, this.spec.isRejection(secondCode));
      }
    }
  }

  private request(item: Item, scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const identity = this.spec.identityOf(item);
    if (this.current?.identity !== identity) {
      this.current = { identity, credential: this.spec.create(item) };
    }
    return this.current.credential.getToken(scopes, options) as Promise<AccessToken>;
  }

  private fail(code: string | undefined, error: unknown, rejected = false): never {
    try {
      this.spec.onFailure?.(code, error);
    } catch {
      // A listener's own failure must not replace the token failure the caller needs to see.
    }
    if (rejected && code !== undefined) throw this.spec.rejected(code, error);
    throw error;
  }
}
