/**
 * Entra (AAD) token failures carry an AADSTS code in the error text. The secret-expiry alerting keys
 * on two of them, so they are extracted in one place.
 */
export const AADSTS_INVALID_SECRET = 'AADSTS7000215';
export const AADSTS_EXPIRED_SECRET = 'AADSTS7000222';

export function aadstsCodeOf(error: unknown): string | undefined {
  const text =
    error instanceof Error
      ? `${error.message} ${(error as { errorResponse?: { errorDescription?: string } }).errorResponse?.errorDescription ?? ''}`
      : typeof error === 'string'
        ? error
        : '';
  const m = /AADSTS(\d{5,8})/.exec(text);
  return m ? `AADSTS${m[1]}` : undefined;
}

/** True when the failure means the secret we sent is wrong or expired (worth re-reading it). */
export function isSecretRejection(code: string | undefined): boolean {
  return code === AADSTS_INVALID_SECRET || code === AADSTS_EXPIRED_SECRET;
}

/**
 * Entra refuses a certificate client assertion with AADSTS700027: the certificate's key is not (or
 * no longer) on the app registration, has expired there, or did not sign the assertion.
 */
export const AADSTS_CERTIFICATE_REJECTED = 'AADSTS700027';

/** True when the failure means the certificate we signed with is refused (worth re-reading it). */
export function isCertificateRejection(code: string | undefined): boolean {
  return code === AADSTS_CERTIFICATE_REJECTED;
}
