/**
 * A local HTTPS stand-in for the Key Vault secrets REST API, just enough for the real `SecretClient`
 * (@azure/keyvault-secrets) to read secrets: tests and `npm start` point KEY_VAULT_URL here and the
 * production code runs unchanged.
 *
 * What it reproduces, because SecretClient depends on it:
 *  - challenge authentication: the client's first request carries no token and expects 401 with a
 *    `WWW-Authenticate: Bearer authorization=…, resource=…` header; it then asks its credential for a
 *    token for `<resource>/.default` and retries with `Authorization: Bearer …`. The resource is the
 *    public `https://vault.azure.net`, so clients must set `disableChallengeResourceVerification`.
 *  - `GET /secrets/{name}/` (latest) and `GET /secrets/{name}/{version}` answering
 *    `{ value, id, attributes: { enabled, exp, created, updated } }` with times in epoch seconds.
 *  - the service's error bodies: 404 `SecretNotFound`, 403 `Forbidden` (RBAC, disabled secret).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StandInSecretOptions {
  expiresOn?: Date;
  /** Default true. Reading a disabled secret's value is refused with 403, as Key Vault does. */
  enabled?: boolean;
  /**
   * The item's content type. A Key Vault certificate's secret carries application/x-pem-file or
   * application/x-pkcs12 (its policy's choice), and `managed: true`.
   */
  contentType?: string;
}

export interface KeyVaultRequestRecord {
  method: string;
  path: string;
  authorized: boolean;
  status: number;
}

export interface KeyVaultStandIn {
  /** e.g. https://127.0.0.1:54321 */
  vaultUrl: string;
  /** Adds a new version of the secret (as `az keyvault secret set` does) and returns its version id. */
  setSecret(name: string, value: string, options?: StandInSecretOptions): string;
  deleteSecret(name: string): void;
  /** When true every authorized request gets 403 ForbiddenByRbac, like a missing role assignment. */
  setAccessDenied(denied: boolean): void;
  /** Every request received, in order (the value is never recorded). */
  readonly requests: readonly KeyVaultRequestRecord[];
  /** Authorized GETs of one secret (any version): what a cache test counts. */
  secretReads(name: string): number;
  stop(): Promise<void>;
}

export interface KeyVaultStandInOptions {
  /** Tenant named in the challenge's authorization URL. */
  tenantId?: string;
  /** Decides whether a bearer token is accepted; default: any non-empty token. */
  acceptToken?: (token: string) => boolean;
}

interface SecretVersion {
  version: string;
  value: string;
  enabled: boolean;
  expiresOn?: Date;
  contentType?: string;
  created: number;
  updated: number;
}

const TLS_DIR = path.join(__dirname, 'tls');

export async function startKeyVaultStandIn(options: KeyVaultStandInOptions = {}): Promise<KeyVaultStandIn> {
  const tenantId = options.tenantId ?? '00000000-0000-0000-0000-000000000000';
  const acceptToken = options.acceptToken ?? ((token: string) => token.length > 0);
  const secrets = new Map<string, SecretVersion[]>();
  const requests: KeyVaultRequestRecord[] = [];
  let accessDenied = false;
  let vaultUrl = '';

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const authorized = auth !== null && acceptToken(auth[1]);
    const reply = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      requests.push({ method: req.method ?? '', path: url.pathname, authorized, status });
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ms-keyvault-service-version': 'stand-in',
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    // Drain any body (the first, unauthenticated request is sent without one anyway).
    req.resume();

    if (!authorized) {
      return reply(
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        {
          'www-authenticate':
            `Bearer authorization="https://login.microsoftonline.com/${tenantId}", ` +
            'resource="https://vault.azure.net"',
        },
      );
    }
    if (accessDenied) {
      return reply(403, {
        error: {
          code: 'Forbidden',
          message: 'Caller is not authorized to perform action on resource (stand-in: access denied).',
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
    }
    const m = /^\/secrets\/([0-9A-Za-z-]{1,127})(?:\/([0-9a-f]*))?\/?$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      return reply(400, {
        error: { code: 'BadParameter', message: `Stand-in does not serve ${req.method} ${url.pathname}` },
      });
    }
    const [, name, version] = m;
    const versions = secrets.get(name.toLowerCase()) ?? [];
    const found = version ? versions.find((v) => v.version === version) : versions[versions.length - 1];
    if (!found) {
      return reply(404, {
        error: {
          code: 'SecretNotFound',
          message: `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault.`,
        },
      });
    }
    if (!found.enabled) {
      return reply(403, {
        error: {
          code: 'Forbidden',
          message: 'Operation get is not allowed on a disabled secret.',
          innererror: { code: 'SecretDisabled' },
        },
      });
    }
    return reply(200, {
      value: found.value,
      id: `${vaultUrl}/secrets/${name}/${found.version}`,
      attributes: {
        enabled: found.enabled,
        ...(found.expiresOn ? { exp: Math.floor(found.expiresOn.getTime() / 1000) } : {}),
        created: found.created,
        updated: found.updated,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
      },
      tags: {},
      ...(found.contentType ? { contentType: found.contentType } : {}),
      ...(found.contentType?.startsWith('application/x-p') ? { managed: true } : {}),
    });
  };

  const server = createServer(
    {
      cert: readFileSync(path.join(TLS_DIR, 'server.pem')),
      key: readFileSync(path.join(TLS_DIR, 'server.key')),
    },
    handle,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  vaultUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    vaultUrl,
    setSecret(name, value, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const version = randomBytes(16).toString('hex');
      const list = secrets.get(name.toLowerCase()) ?? [];
      list.push({
        version,
        value,
        enabled: opts.enabled ?? true,
        expiresOn: opts.expiresOn,
        contentType: opts.contentType,
        created: now,
        updated: now,
      });
      secrets.set(name.toLowerCase(), list);
      return version;
    },
    deleteSecret(name) {
      secrets.delete(name.toLowerCase());
    },
    setAccessDenied(denied) {
      accessDenied = denied;
    },
    requests,
    secretReads(name) {
      const prefix = `/secrets/${name.toLowerCase()}`;
      return requests.filter(
        (r) => r.authorized && r.method === 'GET' && (r.path.toLowerCase() + '/').startsWith(prefix + '/'),
      ).length;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
