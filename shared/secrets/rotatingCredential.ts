/**
 * The TokenCredential the Management API client (and the Graph expiry check) use for a tenant. It
 * takes the client secret from a ClientSecretProvider on every token request, so a secret renewed in
 * Key Vault is used on the next token without a restart: after the cache time, or at once when Entra
 * refuses the old one.
 */
import {
  ClientSecretCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import type { TenantConfig } from '../config/settings';
import { aadstsCodeOf, isSecretRejection } from '../entraErrors';
import { SecretRejectedError } from './errors';
import type { ClientSecret, ClientSecretProvider } from './secretProvider';

export type CreateCredential = (tenant: TenantConfig, secret: ClientSecret) => TokenCredential;

/**
 * Called once for each getToken that ends in failure, with the AADSTS code when Entra gave one.
 * AADSTS7000222 (expired) and AADSTS7000215 (invalid) feed the secret-expiry alerts.
 */
export type TokenFailureListener = (
  tenant: TenantConfig,
  aadstsCode: string | undefined,
  error: unknown,
) => void;

export interface RotatingClientSecretCredentialOptions {
  createCredential?: CreateCredential;
  onTokenFailure?: TokenFailureListener;
}

export const createClientSecretCredential: CreateCredential = (tenant, secret) =>
  new ClientSecretCredential(tenant.tenantId, tenant.clientId, secret.value, {
    authorityHost: tenant.endpoints.authorityHost,
    // Instance discovery asks the public cloud about the authority; sovereign clouds and local
    // stand-ins answer for themselves.
    disableInstanceDiscovery: true,
  });

export class RotatingClientSecretCredential implements TokenCredential {
  private readonly createCredential: CreateCredential;
  private readonly onTokenFailure?: TokenFailureListener;
  // One credential per secret value: it keeps MSAL's token cache, so tokens are reused until the value changes.
  private current?: { value: string; credential: TokenCredential };

  constructor(
    private readonly tenant: TenantConfig,
    private readonly secrets: ClientSecretProvider,
    options: RotatingClientSecretCredentialOptions = {},
  ) {
    this.createCredential = options.createCredential ?? createClientSecretCredential;
    this.onTokenFailure = options.onTokenFailure;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const secret = await this.secrets.get(this.tenant);
    try {
      return await this.request(secret, scopes, options);
    } catch (first) {
      const code = aadstsCodeOf(first);
      if (!isSecretRejection(code)) return this.fail(code, first);

      // Entra refused the secret we hold: it may have been renewed in the vault since we cached it.
      this.secrets.invalidate(this.tenant);
      let fresh: ClientSecret;
      try {
        fresh = await this.secrets.get(this.tenant);
      } catch {
        // The store cannot tell us anything newer: the refusal is the failure that matters.
        return this.fail(code, first, true);
      }
      if (fresh.value === secret.value) return this.fail(code, first, true);
      try {
        return await this.request(fresh, scopes, options);
      } catch (second) {
        const secondCode = aadstsCodeOf(second);
        return this.fail(secondCode, second, isSecretRejection(secondCode));
      }
    }
  }

  private request(
    secret: ClientSecret,
    scopes: string | string[],
    options?: GetTokenOptions,
  ): Promise<AccessToken> {
    if (this.current?.value !== secret.value) {
      this.current = { value: secret.value, credential: this.createCredential(this.tenant, secret) };
    }
    return this.current.credential.getToken(scopes, options) as Promise<AccessToken>;
  }

  private fail(code: string | undefined, error: unknown, rejected = false): never {
    try {
      this.onTokenFailure?.(this.tenant, code, error);
    } catch {
      // A listener's own failure must not replace the token failure the caller needs to see.
    }
    if (rejected && code !== undefined) {
      throw new SecretRejectedError(
        this.tenant.tenantId,
        code,
        `Entra refused the client secret of app ${this.tenant.clientId} in tenant ${this.tenant.tenantId} ` +
          `(${code}: ${code === 'AADSTS7000222' ? 'expired' : 'invalid'}); renew it and store the new value in ` +
          `Key Vault item "${this.tenant.secret.keyVaultSecretName}"`,
        { cause: error },
      );
    }
    throw error;
  }
}
