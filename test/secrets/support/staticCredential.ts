import type { AccessToken, TokenCredential } from '@azure/identity';

/** A credential double for the vault's own authentication: the stand-in accepts any bearer token. */
export class StaticTokenCredential implements TokenCredential {
  readonly scopesAsked: string[] = [];
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopesAsked.push(...(Array.isArray(scopes) ? scopes : [scopes]));
    return { token: 'managed-identity-token', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}
