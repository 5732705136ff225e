/**
 * Client authentication with a signed JWT (`client_assertion`), as Entra documents it for confidential
 * clients:
 *  - a certificate credential: the header names the certificate by `x5t` (SHA-1) or `x5t#S256`
 *    (SHA-256) of its DER; the key must be on the app and inside its validity; the signature
 *    (RS256 or PS256) verifies with the certificate's public key; `aud` is the tenant's token
 *    endpoint, `iss` = `sub` = the client id, and `exp`/`nbf` hold now.
 *  - a federated credential: the assertion is a token of another issuer (a managed identity's, for
 *    the token-exchange audience); issuer, subject and audience must match one federated credential
 *    of the app, and the signature must verify with a key the issuer is trusted for.
 * Failures carry the AADSTS code and wording Entra uses for the same case.
 */
import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { SimulatorContext } from './context';
import type { SimulatedTenant } from './tenantDirectory';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface AssertionRefusal {
  status: number;
  error: string;
  code: number;
  description: string;
}

/** Entra allows a few minutes of clock skew on assertion times. */
const CLOCK_TOLERANCE_SECONDS = 300;

export async function checkClientAssertion(
  ctx: SimulatorContext,
  tenant: SimulatedTenant,
  clientId: string,
  assertion: string,
): Promise<AssertionRefusal | undefined> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    return refusal(400, 'invalid_request', 50027, 'JWT token is invalid or malformed (client_assertion).');
  }
  const x5t = typeof header.x5t === 'string' ? header.x5t : undefined;
  const x5tS256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  if (x5t !== undefined || x5tS256 !== undefined) {
    return checkCertificateAssertion(ctx, tenant, clientId, assertion, x5t, x5tS256);
  }
  return checkFederatedAssertion(ctx, tenant, assertion, claims);
}

async function checkCertificateAssertion(
  ctx: SimulatorContext,
  tenant: SimulatedTenant,
  clientId: string,
  assertion: string,
  x5t: string | undefined,
  x5tS256: string | undefined,
): Promise<AssertionRefusal | undefined> {
  const shown = x5tS256 ?? x5t ?? '';
  const key = tenant.certificates.find((c) => (x5tS256 ? c.x5tS256 === x5tS256 : c.x5t === x5t));
  if (!key) {
    return refusal(
      401,
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprintHex(shown)}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${tenant.clientId}'.]`,
    );
  }
  const now = ctx.clock();
  if (key.notAfter.getTime() <= now.getTime() || key.notBefore.getTime() > now.getTime()) {
    return refusal(
      401,
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprintHex(shown)}', Found key 'Start=${key.notBefore.toISOString()}, End=${key.notAfter.toISOString()}']`,
    );
  }
  const tokenEndpoints = [
    `${ctx.urls.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`,
    `${ctx.urls.authorityHost}/${tenant.tenantId}/oauth2/token`,
  ];
  return verifySigned(assertion, key.certificate.publicKey, now, {
    audience: tokenEndpoints,
    issuer: clientId,
    subject: clientId,
  });
}

async function checkFederatedAssertion(
  ctx: SimulatorContext,
  tenant: SimulatedTenant,
  assertion: string,
  claims: JWTPayload,
): Promise<AssertionRefusal | undefined> {
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  const record = tenant.federatedCredentials.find(
    (f) =>
      f.issuer === claims.iss && f.subject === claims.sub && audiences.some((a) => f.audiences.includes(a)),
  );
  if (!record) {
    return refusal(
      400,
      'invalid_client',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${claims.iss ?? ''}'. Assertion Subject: '${claims.sub ?? ''}'. Assertion Audience: '${audiences.join(',')}'.`,
    );
  }
  const keys = ctx.trustedIssuers.get(record.issuer) ?? [];
  let last: AssertionRefusal | undefined;
  for (const key of keys) {
    last = await verifySigned(assertion, key, ctx.clock(), {
      audience: record.audiences,
      issuer: record.issuer,
      subject: record.subject,
    });
    if (!last) return undefined;
    if (last.code !== 50013) return last;
  }
  return (
    last ??
    refusal(
      400,
      'invalid_client',
      50013,
      `Assertion failed signature validation. [Reason - No key is trusted for issuer '${record.issuer}'.]`,
    )
  );
}

async function verifySigned(
  assertion: string,
  key: KeyObject,
  now: Date,
  expected: { audience: string[]; issuer: string; subject: string },
): Promise<AssertionRefusal | undefined> {
  try {
    await jwtVerify(assertion, key, {
      algorithms: ['RS256', 'PS256'],
      audience: expected.audience,
      issuer: expected.issuer,
      subject: expected.subject,
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
    });
    return undefined;
  } catch (e) {
    if (
      e instanceof errors.JWTExpired ||
      (e instanceof errors.JWTClaimValidationFailed && e.claim === 'nbf')
    ) {
      return refusal(
        400,
        'invalid_client',
        700024,
        `Client assertion is not within its valid time range. Current time: ${now.toISOString()}.`,
      );
    }
    if (e instanceof errors.JWTClaimValidationFailed && (e.claim === 'iss' || e.claim === 'sub')) {
      return refusal(
        400,
        'invalid_client',
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter.",
      );
    }
    if (e instanceof errors.JWTClaimValidationFailed) {
      return refusal(
        400,
        'invalid_client',
        50027,
        `JWT token is invalid or malformed: claim '${e.claim}' ${e.claim === 'aud' ? 'must be the token endpoint' : 'is wrong'}.`,
      );
    }
    return refusal(
      401,
      'invalid_client',
      50013,
      'Assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]',
    );
  }
}

function refusal(status: number, error: string, code: number, description: string): AssertionRefusal {
  return { status, error, code, description };
}

function thumbprintHex(base64url: string): string {
  return Buffer.from(base64url, 'base64url').toString('hex').toUpperCase();
}
