/**
 * The optional second opinion on expiry: Microsoft Graph lists the app registration's client
 * secrets with their end dates. It needs the Application.Read.All application permission, which many
 * admins do not grant; a refusal is an answer (`notGranted`), not an error.
 */
import type { TokenCredential } from '@azure/identity';
import type { TenantConfig } from '../config/settings';
import { GraphRequestError } from './errors';

export interface AppPasswordCredential {
  keyId: string;
  displayName?: string;
  endDateTime: Date;
  /** First characters of the secret value, as Graph shows them; how we tell which entry is ours. */
  hint?: string;
}

export type AppPasswordExpiries =
  { status: 'ok'; credentials: AppPasswordCredential[] } | { status: 'notGranted'; detail: string };

export type GraphFetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ReadAppPasswordExpiriesOptions {
  fetch?: GraphFetch;
  abortSignal?: AbortSignal;
}

interface GraphPasswordCredential {
  keyId?: unknown;
  displayName?: unknown;
  endDateTime?: unknown;
  hint?: unknown;
}

export async function readAppPasswordExpiries(
  tenant: TenantConfig,
  credential: TokenCredential,
  options: ReadAppPasswordExpiriesOptions = {},
): Promise<AppPasswordExpiries> {
  const doFetch: GraphFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = tenant.endpoints.graphBaseUrl;
  const token = await credential.getToken(`${base}/.default`, { abortSignal: options.abortSignal });
  if (!token) throw new GraphRequestError(`No token for ${base} was issued for tenant ${tenant.tenantId}`);

  // The application is addressed by its appId (the client id), not by its object id.
  const url = `${base}/v1.0/applications(appId='${tenant.clientId}')?$select=passwordCredentials`;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${token.token}`, accept: 'application/json' },
      signal: options.abortSignal,
    });
  } catch (e) {
    throw new GraphRequestError(
      `Microsoft Graph unreachable: ${(e as Error).message}`,
      undefined,
      undefined,
      {
        cause: e,
      },
    );
  }
  const text = await response.text();
  const body = parseJson(text);

  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : undefined;
    const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200);
    // Without Application.Read.All Graph answers 403 Authorization_RequestDenied ("Insufficient privileges").
    if (response.status === 403 || code === 'Authorization_RequestDenied') {
      return { status: 'notGranted', detail: `${code ?? response.status}: ${message}` };
    }
    throw new GraphRequestError(
      `Microsoft Graph refused reading the app's credentials (${response.status}${code ? ` ${code}` : ''}): ${message}`,
      response.status,
      code,
    );
  }

  const list = (body as { passwordCredentials?: unknown } | undefined)?.passwordCredentials;
  if (!Array.isArray(list)) {
    throw new GraphRequestError(
      'Microsoft Graph answered without a passwordCredentials list',
      response.status,
    );
  }
  const credentials: AppPasswordCredential[] = [];
  for (const entry of list as GraphPasswordCredential[]) {
    const end = typeof entry.endDateTime === 'string' ? new Date(entry.endDateTime) : undefined;
    // An entry without a readable end date tells us nothing about expiry; skip it rather than fail.
    if (!end || Number.isNaN(end.getTime()) || typeof entry.keyId !== 'string') continue;
    credentials.push({
      keyId: entry.keyId,
      displayName: typeof entry.displayName === 'string' ? entry.displayName : undefined,
      endDateTime: end,
      hint: typeof entry.hint === 'string' ? entry.hint : undefined,
    });
  }
  return { status: 'ok', credentials };
}

/**
 * Picks the Graph entry that is the secret in use. An app often has several secrets (the old one
 * lives on until someone deletes it after a renewal), and the oldest would raise false alarms. Graph's
 * `hint` is the first characters of the value, so it identifies ours without revealing it. With no
 * match (or no value to compare) the latest-ending entry is taken: the one a renewal created.
 */
export function selectCredentialInUse(
  credentials: readonly AppPasswordCredential[],
  secretValue: string | undefined,
): AppPasswordCredential | undefined {
  const byHint =
    secretValue === undefined
      ? []
      : credentials.filter(
          (c) => c.hint !== undefined && c.hint.length > 0 && secretValue.startsWith(c.hint),
        );
  const pool = byHint.length > 0 ? byHint : credentials;
  return pool.reduce<AppPasswordCredential | undefined>(
    (best, c) => (best === undefined || c.endDateTime.getTime() > best.endDateTime.getTime() ? c : best),
    undefined,
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
