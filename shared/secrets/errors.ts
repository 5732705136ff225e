/** Typed failures of the secret area. Messages name the secret and the reason, never the value. */

export type SecretUnavailableReason =
  | 'notFound'
  | 'disabled'
  | 'forbidden'
  | 'empty'
  | 'notConfigured'
  | 'unreachable'
  /** A certificate item that is not a PEM with its private key (e.g. PKCS#12, or no key). */
  | 'wrongFormat'
  | 'other';

export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
  constructor(
    readonly secretName: string,
    readonly reason: SecretUnavailableReason,
    message: string,
    /** Key Vault's own error code (SecretNotFound, Forbidden, ForbiddenByRbac, …) when it gave one. */
    readonly code?: string,
    readonly statusCode?: number,
    options?: { cause?: unknown; innerCode?: string },
  ) {
    super(message, options);
    this.innerCode = options?.innerCode;
  }
  /** Key Vault's inner error code when present (ForbiddenByRbac, SecretDisabled, …). */
  readonly innerCode?: string;
}

/**
 * Entra refused the app's credential even after a re-read of its store: the client secret
 * (AADSTS7000215 wrong, AADSTS7000222 expired) or the certificate (AADSTS700027).
 */
export class SecretRejectedError extends Error {
  override readonly name = 'SecretRejectedError';
  constructor(
    readonly tenantId: string,
    readonly aadstsCode: string,
    message: string,
    options?: { cause?: unknown; credentialKind?: 'secret' | 'certificate' },
  ) {
    super(message, options);
    this.credentialKind = options?.credentialKind ?? 'secret';
  }
  readonly credentialKind: 'secret' | 'certificate';
}

/** A Microsoft Graph call failed for a reason other than a missing permission. */
export class GraphRequestError extends Error {
  override readonly name = 'GraphRequestError';
  constructor(
    message: string,
    readonly statusCode?: number,
    /** Graph's `error.code`, e.g. Request_ResourceNotFound. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
