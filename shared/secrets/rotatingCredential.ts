/**
 * The TokenCredential the Management API client (and the Graph expiry check) use for a tenant. It
 * takes the client secret from a ClientSecretProvider on every token request, so a secret renewed in
 * Key Vault is used on the next token without a restart: after the cache time, or at once when Entra
 * refuses the old one.
 */
import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import type { TenantConfig } from '../config/settings';
import { isSecretRejection } from '../entraErrors';
import { RotatingCredential } from './credentialRotation';
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

export class RotatingClientSecretCredential extends RotatingCredential<ClientSecret> {
  constructor(
    tenant: TenantConfig,
    secrets: ClientSecretProvider,
    options: RotatingClientSecretCredentialOptions = {},
  ) {
    const createCredential = options.createCredential ?? createClientSecretCredential;
    super({
      load: () => secrets.get(tenant),
      invalidate: () => secrets.invalidate(tenant),
      identityOf: (secret) => secret.value,
      create: (secret) => createCredential(tenant, secret),
      isRejection: isSecretRejection,
      rejected: (code, error) =>
        new SecretRejectedError(
          tenant.tenantId,
          code,
          `Entra refused the client secret of app ${tenant.clientId} in tenant ${tenant.tenantId} ` +
            `(${code}: ${code === 'AADSTS7000222' ? 'expired' : 'invalid'}); renew it and store the new value in ` +
            `Key Vault item "${tenant.secret.keyVaultSecretName}"`,
          { cause: error },
        ),
      onFailure: options.onTokenFailure
        ? (code, error) => options.onTokenFailure?.(tenant, code, error)
        : undefined,
    });
  }
}
