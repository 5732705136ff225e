/** A TokenCredential that hands out one fixed token, for the sink stand-ins; it records the scopes asked for. */
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export interface StaticTokenCredential extends TokenCredential {
  readonly scopes: string[];
}

export function staticTokenCredential(token: string): StaticTokenCredential {
  const scopes: string[] = [];
  return {
    scopes,
    getToken: async (scope: string | string[]): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
    },
  };
}
