/**
 * JWT-shaped access tokens: base64url header.payload.signature, signed with a key that lives only in
 * this simulator instance so that a token edited by a test (or made up by a client) is refused.
 * Real Entra tokens are RS256; nothing in this project checks signatures, it only reads claims.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const ACTIVITY_FEED_ROLES = [
  'ActivityFeed.Read',
  'ActivityFeed.ReadDlp',
  'ActivityReports.Read',
  'ServiceHealth.Read',
] as const;

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  oid: string;
  roles?: string[];
  iat: number;
  nbf: number;
  exp: number;
  ver: '1.0';
}

export type TokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

export class TokenMint {
  private readonly key = randomBytes(32);

  issue(claims: Omit<AccessTokenClaims, 'ver'>): string {
    const header = encode({ typ: 'JWT', alg: 'HS256', kid: 'simulated-tenant' });
    const payload = encode({ ...claims, ver: '1.0', uti: randomUUID() });
    return `${header}.${payload}.${this.sign(`${header}.${payload}`)}`;
  }

  /** Checks the signature and the lifetime; audience and tenant are the caller's business. */
  verify(token: string, now: Date): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'The token is not a JWT.' };
    const [header, payload, signature] = parts;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'The token signature is invalid.' };
    }
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return { ok: false, reason: 'The token payload is not JSON.' };
    }
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return { ok: false, reason: 'The token is expired.' };
    }
    return { ok: true, claims };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Reads the bearer token from an Authorization header; undefined when absent or another scheme. */
export function bearerOf(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? match[1] : undefined;
}
