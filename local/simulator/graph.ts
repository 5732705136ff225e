/**
 * The one Microsoft Graph read the secret-expiry check makes:
 * GET /v1.0/applications(appId='{clientId}')?$select=passwordCredentials. It needs the
 * Application.Read.All application permission; without it Graph answers 403
 * Authorization_RequestDenied, which the receiver must treat as "cannot check", not as an outage.
 */
import { randomUUID } from 'node:crypto';
import { bearerOf } from './accessTokens';
import type { SimulatorContext } from './context';
import type { ListenerRoutes, SimRequest, SimResponse } from './httpsListener';
import type { SimulatedTenant } from './tenantDirectory';

// When a secret has no expiry date, Graph still reports one; two years is the portal's longest choice.
const DEFAULT_SECRET_LIFETIME_MS = 730 * 24 * 60 * 60 * 1000;

export function graphRoutes(ctx: SimulatorContext): ListenerRoutes {
  return {
    name: 'graph',
    classify(req) {
      const appId = appIdOf(req);
      return appId === undefined ? undefined : { operation: 'graph' };
    },
    async handle(req) {
      const appId = appIdOf(req);
      if (appId === undefined)
        return graphError(404, 'Request_BadRequest', `Unsupported request ${req.method} ${req.path}.`);
      const token = bearerOf(req.headers.authorization);
      if (!token) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      const check = ctx.mint.verify(token, ctx.clock());
      if (!check.ok) return graphError(401, 'InvalidAuthenticationToken', check.reason);
      if (check.claims.aud !== ctx.urls.graphBaseUrl) {
        return graphError(401, 'InvalidAuthenticationToken', 'Invalid audience.');
      }
      const tenant = ctx.directory.find(check.claims.tid);
      if (!check.claims.roles?.includes('Application.Read.All') || !tenant) {
        return graphError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
      }
      if (appId.toLowerCase() !== tenant.clientId) {
        return graphError(
          404,
          'Request_ResourceNotFound',
          `Resource '${appId}' does not exist or one of its queried reference-property objects are not present.`,
        );
      }
      return {
        status: 200,
        body: {
          '@odata.context': `${ctx.urls.graphBaseUrl}/v1.0/$metadata#applications(passwordCredentials)/$entity`,
          passwordCredentials: passwordCredentialsOf(tenant),
        },
      };
    },
  };
}

function appIdOf(req: SimRequest): string | undefined {
  if (req.method !== 'GET') return undefined;
  const m = /^\/v1\.0\/applications\(appId='([^']+)'\)\/?$/.exec(req.path);
  return m ? m[1] : undefined;
}

function passwordCredentialsOf(tenant: SimulatedTenant): object[] {
  if (tenant.graphOverride) {
    return tenant.graphOverride.map((c) => ({
      customKeyIdentifier: null,
      displayName: c.displayName ?? null,
      endDateTime: c.endDateTime,
      hint: null,
      keyId: c.keyId,
      secretText: null,
      startDateTime: null,
    }));
  }
  const end =
    tenant.secretExpiresAt ?? new Date(tenant.secretCreatedAt.getTime() + DEFAULT_SECRET_LIFETIME_MS);
  return [
    {
      customKeyIdentifier: null,
      displayName: 'm365-activity-receiver',
      endDateTime: end.toISOString(),
      // Graph shows the first three characters of the secret, never the secret itself.
      hint: tenant.secret.slice(0, 3),
      keyId: tenant.secretKeyId,
      secretText: null,
      startDateTime: tenant.secretCreatedAt.toISOString(),
    },
  ];
}

function graphError(status: number, code: string, message: string): SimResponse {
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().slice(0, 19),
          'request-id': randomUUID(),
          'client-request-id': randomUUID(),
        },
      },
    },
  };
}
