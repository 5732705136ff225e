/**
 * A tiny HTTPS Entra token endpoint for one app, enough for @azure/identity's ClientSecretCredential:
 * the OpenID configuration document, then the client-credentials token POST. Each secret value it
 * knows is valid or expired; anything else is refused as AADSTS7000215, as Entra does.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface EntraStandIn {
  authorityHost: string;
  setSecret(value: string, state: 'valid' | 'expired'): void;
  removeSecret(value: string): void;
  /** Token POSTs received, with the scope asked and whether they succeeded (values never recorded). */
  readonly tokenRequests: { scope: string; outcome: 'issued' | 'AADSTS7000215' | 'AADSTS7000222' }[];
  stop(): Promise<void>;
}

const TLS_DIR = path.join(__dirname, '..', '..', '..', 'local', 'tls');

export async function startEntraStandIn(tenantId: string, clientId: string): Promise<EntraStandIn> {
  const secrets = new Map<string, 'valid' | 'expired'>();
  const tokenRequests: EntraStandIn['tokenRequests'] = [];
  let base = '';
  let issued = 0;

  const server = createServer(
    {
      cert: readFileSync(path.join(TLS_DIR, 'server.pem')),
      key: readFileSync(path.join(TLS_DIR, 'server.key')),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', base);
        const json = (status: number, body: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (req.method === 'GET' && url.pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
          return json(200, {
            token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
            issuer: `${base}/${tenantId}/v2.0`,
            authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
            jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
            token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
          });
        }
        if (req.method === 'POST' && url.pathname === `/${tenantId}/oauth2/v2.0/token`) {
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          const scope = form.get('scope') ?? '';
          const state =
            form.get('client_id') === clientId ? secrets.get(form.get('client_secret') ?? '') : undefined;
          if (state === 'valid') {
            tokenRequests.push({ scope, outcome: 'issued' });
            issued += 1;
            return json(200, {
              token_type: 'Bearer',
              expires_in: 3599,
              ext_expires_in: 3599,
              access_token: `stand-in-access-token-${issued}`,
            });
          }
          const code = state === 'expired' ? 7000222 : 7000215;
          tokenRequests.push({ scope, outcome: `AADSTS${code}` });
          return json(401, {
            error: 'invalid_client',
            error_description:
              code === 7000222
                ? `AADSTS7000222: The provided client secret keys for app '${clientId}' are expired.`
                : `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
            error_codes: [code],
            timestamp: new Date().toISOString(),
            trace_id: '00000000-0000-0000-0000-000000000001',
            correlation_id: '00000000-0000-0000-0000-000000000002',
          });
        }
        json(404, { error: 'not_found' });
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorityHost: base,
    setSecret: (value, state) => void secrets.set(value, state),
    removeSecret: (value) => void secrets.delete(value),
    tokenRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
