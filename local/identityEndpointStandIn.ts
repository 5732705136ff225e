/**
 * A local stand-in for the managed-identity endpoint an Azure Function (App Service) gets through
 * IDENTITY_ENDPOINT and IDENTITY_HEADER: `GET <endpoint>?api-version=2019-08-01&resource=…&client_id=…`
 * with the `X-IDENTITY-HEADER` secret, answered with `{ access_token, expires_on, resource,
 * token_type, client_id }`. It signs its tokens (RS256) with a key of its own; the simulated tenant
 * trusts that key for the issuer named here, as Entra trusts its own managed-identity tokens. So the
 * real ManagedIdentityCredential and the federated path run unchanged against it.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

export interface IdentityEndpointOptions {
  /** The identity's home tenant. */
  tenantId: string;
  /** Client id of the user-assigned identity (what AZURE_CLIENT_ID names). */
  clientId: string;
  /** Principal (object) id of the identity: the `sub` of its tokens, the federated credential's subject. */
  principalId: string;
  /** `iss` of its tokens; Entra's is https://login.microsoftonline.com/{tenant}/v2.0. */
  issuer: string;
  lifetimeSeconds?: number;
  clock?: () => Date;
}

export interface IdentityEndpointStandIn {
  /** Value for IDENTITY_ENDPOINT. */
  endpoint: string;
  /** Value for IDENTITY_HEADER. */
  header: string;
  issuer: string;
  /** The public key of its signing key (PEM), for the simulator's trustIssuer. */
  publicKeyPem: string;
  /** Resources asked for, in order; never a token. */
  readonly requests: { resource: string; clientId?: string; status: number }[];
  /** Issues a token directly (tests that want an assertion without HTTP). */
  issue(resource: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startIdentityEndpointStandIn(
  options: IdentityEndpointOptions,
): Promise<IdentityEndpointStandIn> {
  const clock = options.clock ?? (() => new Date());
  const lifetime = options.lifetimeSeconds ?? 86400;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const header = randomBytes(16).toString('hex');
  const kid = randomUUID();
  const requests: IdentityEndpointStandIn['requests'] = [];

  const issue = async (resource: string): Promise<string> =>
    signToken(privateKey, kid, options, resource, clock(), lifetime);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const reply = (status: number, body: unknown, resource = ''): void => {
      requests.push({ resource, clientId: url.searchParams.get('client_id') ?? undefined, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (req.headers['x-identity-header'] !== header) {
      return reply(401, {
        error: 'unauthorized',
        error_description: 'X-IDENTITY-HEADER is missing or wrong',
      });
    }
    const resource = url.searchParams.get('resource') ?? '';
    const clientId = url.searchParams.get('client_id');
    if (req.method !== 'GET' || url.searchParams.get('api-version') !== '2019-08-01' || resource === '') {
      return reply(
        400,
        { error: 'invalid_request', error_description: 'GET with api-version=2019-08-01 and resource' },
        resource,
      );
    }
    if (clientId !== null && clientId.toLowerCase() !== options.clientId.toLowerCase()) {
      return reply(
        400,
        { error: 'invalid_request', error_description: `No identity with client id ${clientId}` },
        resource,
      );
    }
    void issue(resource).then((token) =>
      reply(
        200,
        {
          access_token: token,
          expires_on: String(Math.floor(clock().getTime() / 1000) + lifetime),
          resource,
          token_type: 'Bearer',
          client_id: options.clientId,
        },
        resource,
      ),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/msi/token`,
    header,
    issuer: options.issuer,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    requests,
    issue,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function signToken(
  key: KeyObject,
  kid: string,
  options: IdentityEndpointOptions,
  resource: string,
  now: Date,
  lifetime: number,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ tid: options.tenantId, oid: options.principalId, azp: options.clientId, ver: '2.0' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(options.issuer)
    .setSubject(options.principalId)
    .setAudience(resource)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + lifetime)
    .sign(key);
}
