/** Picks the TokenCredential for a tenant by its credential kind; each kind lives in its own module. */
import type { TokenCredential } from '@azure/identity';
import { credentialOf, type TenantConfig } from '../config/settings';
import { RotatingClientCertificateCredential } from './certificateCredential';
import type { ClientCertificateProvider } from './certificateProvider';
import { createFederatedCredential } from './federatedCredential';
import { RotatingClientSecretCredential, type TokenFailureListener } from './rotatingCredential';
import type { ClientSecretProvider } from './secretProvider';

export interface TenantCredentialSources {
  secrets: ClientSecretProvider;
  certificates: ClientCertificateProvider;
  /** The managed identity whose token a federated tenant exchanges (one per identity client id). */
  assertionSourceFor(managedIdentityClientId: string): TokenCredential;
  onTokenFailure?: TokenFailureListener;
}

export function createTenantCredential(
  tenant: TenantConfig,
  sources: TenantCredentialSources,
): TokenCredential {
  const source = credentialOf(tenant);
  switch (source.kind) {
    case 'certificate':
      return new RotatingClientCertificateCredential(tenant, sources.certificates, {
        onTokenFailure: sources.onTokenFailure,
      });
    case 'federated':
      return createFederatedCredential(tenant, sources.assertionSourceFor(source.managedIdentityClientId));
    case 'secret':
      return new RotatingClientSecretCredential(tenant, sources.secrets, {
        onTokenFailure: sources.onTokenFailure,
      });
  }
}

/**
 * What a tenant's credential is built from: tenant, app, kind and where it lives (the Key Vault item,
 * or the identity and audience of a federated exchange), and the authority that issues the token.
 * A registry row that changes any of these needs a new credential.
 */
export function credentialCacheKey(tenant: TenantConfig): string {
  const source = credentialOf(tenant);
  const name =
    source.kind === 'secret'
      ? `${tenant.secret.keyVaultSecretName}|${tenant.secret.localFallbackSetting ?? ''}`
      : source.kind === 'certificate'
        ? `${source.keyVaultCertificateName}|${source.localPemPath ?? ''}`
        : `${source.managedIdentityClientId}|${source.audience}`;
  return [tenant.tenantId, tenant.clientId, source.kind, name, tenant.endpoints.authorityHost].join('|');
}
