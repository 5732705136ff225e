/**
 * The Entra login authority, as far as a confidential client using client credentials sees it:
 * OpenID discovery (what ClientSecretCredential fetches first), the v2 and v1 token endpoints and an
 * empty key set. Clients authenticate with their secret or with a signed client assertion (a
 * certificate's or a federated credential's: clientAssertions.ts). Errors follow Entra's shape: `error`, an `error_description` starting with the
 * AADSTS code, and `error_codes` — secret-expiry alerting keys on AADSTS7000215 / AADSTS7000222.
 */
import { randomUUID } from 'node:crypto';
import { ACTIVITY_FEED_ROLES } from './accessTokens';
import { checkClientAssertion, JWT_BEARER } from './clientAssertions';
import type { SimulatorContext } from './context';
import type { ListenerRoutes, SimRequest, SimResponse } from './httpsListener';
import type { SimulatedTenant } from './tenantDirectory';

export interface AuthoritySettings {
  tokenLifetimeSeconds: number;
}

export function authorityRoutes(ctx: SimulatorContext, settings: AuthoritySettings): ListenerRoutes {
  return {
    name: 'login',
    classify(req) {
      const route = routeOf(req);
      if (!route) return undefined;
      return { operation: route.kind === 'token' ? 'token' : 'discovery', tenantId: route.tenant };
    },
    async handle(req, target) {
      const route = routeOf(req);
      if (!route || !target)
        return { status: 404, body: { error: 'not_found', error_description: `No route ${req.path}` } };
      if (route.kind === 'openid') return openIdConfiguration(ctx, route.tenant, route.version);
      if (route.kind === 'keys') return { status: 200, body: { keys: [] } };
      if (route.kind === 'instance') return instanceDiscovery(ctx, req);
      return tokenRequest(ctx, settings, route.tenant, route.version, req);
    },
  };
}

type AuthorityRoute =
  | { kind: 'openid'; tenant: string; version: 'v1' | 'v2' }
  | { kind: 'token'; tenant: string; version: 'v1' | 'v2' }
  | { kind: 'keys'; tenant: string }
  | { kind: 'instance'; tenant?: undefined };

function routeOf(req: SimRequest): AuthorityRoute | undefined {
  const p = req.path.replace(/\/+$/, '');
  let m = /^\/([^/]+)(\/v2\.0)?\/\.well-known\/openid-configuration$/.exec(p);
  if (m && req.method === 'GET') return { kind: 'openid', tenant: m[1], version: m[2] ? 'v2' : 'v1' };
  m = /^\/([^/]+)\/oauth2(\/v2\.0)?\/token$/.exec(p);
  if (m && req.method === 'POST') return { kind: 'token', tenant: m[1], version: m[2] ? 'v2' : 'v1' };
  m = /^\/([^/]+)\/discovery(?:\/v2\.0)?\/keys$/.exec(p);
  if (m && req.method === 'GET') return { kind: 'keys', tenant: m[1] };
  if (p === '/common/discovery/instance' && req.method === 'GET') return { kind: 'instance' };
  return undefined;
}

function openIdConfiguration(ctx: SimulatorContext, tenantId: string, version: 'v1' | 'v2'): SimResponse {
  const tenant = ctx.directory.find(tenantId);
  if (!tenant)
    return entraError(
      ctx.clock(),
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  const host = ctx.urls.authorityHost;
  const t = tenant.tenantId;
  const v = version === 'v2' ? '/v2.0' : '';
  return {
    status: 200,
    body: {
      token_endpoint: `${host}/${t}/oauth2${v}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${host}/${t}/discovery${v}/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: version === 'v2' ? `${host}/${t}/v2.0` : `https://sts.windows.net/${t}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${host}/oidc/userinfo`,
      authorization_endpoint: `${host}/${t}/oauth2${v}/authorize`,
      device_authorization_endpoint: `${host}/${t}/oauth2${v}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${host}/${t}/oauth2${v}/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid'],
      kerberos_endpoint: `${host}/${t}/kerberos`,
      tenant_region_scope: 'WW',
      cloud_instance_name: new URL(host).host,
      cloud_graph_host_name: new URL(ctx.urls.graphBaseUrl).host,
      msgraph_host: new URL(ctx.urls.graphBaseUrl).host,
    },
  };
}

/** MSAL asks this when instance discovery is on; we answer that our host is its own cloud. */
function instanceDiscovery(ctx: SimulatorContext, req: SimRequest): SimResponse {
  const host = new URL(ctx.urls.authorityHost).host;
  const authorize =
    req.query.get('authorization_endpoint') ?? `${ctx.urls.authorityHost}/common/oauth2/v2.0/authorize`;
  const tenant =
    /\/([^/]+)\/oauth2/.exec(new URL(authorize, ctx.urls.authorityHost).pathname)?.[1] ?? 'common';
  return {
    status: 200,
    body: {
      tenant_discovery_endpoint: `${ctx.urls.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
  };
}

async function tokenRequest(
  ctx: SimulatorContext,
  settings: AuthoritySettings,
  tenantId: string,
  version: 'v1' | 'v2',
  req: SimRequest,
): Promise<SimResponse> {
  const form = new URLSearchParams(req.body);
  const tenant = ctx.directory.find(tenantId);
  if (!tenant) {
    return entraError(
      ctx.clock(),
      400,
      'invalid_request',
      90002,
      `Tenant '${tenantId}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  const grantType = form.get('grant_type');
  if (grantType !== 'client_credentials') {
    return entraError(
      ctx.clock(),
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType ?? ''}'. This simulator only issues client-credentials tokens.`,
    );
  }
  const clientId = form.get('client_id') ?? basicAuthOf(req)?.clientId ?? '';
  if (clientId.toLowerCase() !== tenant.clientId) {
    return entraError(
      ctx.clock(),
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      return entraError(
        ctx.clock(),
        400,
        'invalid_request',
        50027,
        `client_assertion_type must be '${JWT_BEARER}'.`,
      );
    }
    const refused = await checkClientAssertion(ctx, tenant, clientId.toLowerCase(), assertion);
    if (refused)
      return entraError(ctx.clock(), refused.status, refused.error, refused.code, refused.description);
    return issueToken(ctx, settings, tenant, version, form);
  }
  const secret = form.get('client_secret') ?? basicAuthOf(req)?.secret;
  if (!secret) {
    return entraError(
      ctx.clock(),
      401,
      'invalid_client',
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
    );
  }
  if (secret !== tenant.secret) {
    return entraError(
      ctx.clock(),
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${tenant.clientId}'.`,
    );
  }
  if (tenant.secretExpiresAt && tenant.secretExpiresAt.getTime() <= ctx.clock().getTime()) {
    return entraError(
      ctx.clock(),
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${tenant.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
  return issueToken(ctx, settings, tenant, version, form);
}

function issueToken(
  ctx: SimulatorContext,
  settings: AuthoritySettings,
  tenant: SimulatedTenant,
  version: 'v1' | 'v2',
  form: URLSearchParams,
): SimResponse {
  const now = ctx.clock();
  // v2 asks for "<resource>/.default"; v1 names the resource itself.
  const requested = version === 'v2' ? form.get('scope') : form.get('resource');
  if (!requested) {
    const name = version === 'v2' ? 'scope' : 'resource';
    return entraError(
      ctx.clock(),
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    );
  }
  const resource = resourceOf(ctx, requested, version);
  if (!resource) {
    return entraError(
      ctx.clock(),
      400,
      version === 'v2' ? 'invalid_scope' : 'invalid_resource',
      500011,
      `The resource principal named ${requested} was not found in the tenant named ${tenant.tenantId}. This can happen if the application has not been installed by the administrator of the tenant.`,
    );
  }
  const roles =
    resource === ctx.urls.apiBaseUrl
      ? [...ACTIVITY_FEED_ROLES]
      : tenant.graphPermissionGranted
        ? ['Application.Read.All']
        : undefined;
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + settings.tokenLifetimeSeconds;
  const accessToken = ctx.mint.issue({
    aud: resource,
    iss: `https://sts.windows.net/${tenant.tenantId}/`,
    tid: tenant.tenantId,
    appid: tenant.clientId,
    oid: tenant.clientId,
    ...(roles ? { roles } : {}),
    iat,
    nbf: iat,
    exp,
  });
  const lifetime = settings.tokenLifetimeSeconds;
  if (version === 'v1') {
    // The v1 endpoint answers numbers as strings (see the docs' sample).
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: String(lifetime),
        ext_expires_in: String(lifetime),
        expires_on: String(exp),
        not_before: String(iat),
        resource,
        access_token: accessToken,
      },
    };
  }
  return {
    status: 200,
    body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
  };
}

function resourceOf(ctx: SimulatorContext, requested: string, version: 'v1' | 'v2'): string | undefined {
  const candidates = requested.split(/\s+/).filter((s) => s !== '');
  for (const candidate of candidates) {
    const base = version === 'v2' ? candidate.replace(/\/?\.default$/, '') : candidate;
    if (version === 'v2' && base === candidate) continue;
    const trimmed = base.replace(/\/+$/, '');
    if (trimmed === ctx.urls.apiBaseUrl || trimmed === ctx.urls.graphBaseUrl) return trimmed;
  }
  return undefined;
}

function basicAuthOf(req: SimRequest): { clientId: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^Basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

function entraError(
  now: Date,
  status: number,
  error: string,
  code: number,
  description: string,
): SimResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = now
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
