/**
 * The TokenCredential of a certificate-credential tenant: @azure/identity's ClientCertificateCredential
 * with the PEM its provider holds now. A certificate renewed in Key Vault is used after the cache
 * time, or at once when Entra refuses the old one (AADSTS700027), without a restart.
 */
import { ClientCertificateCredential, type TokenCredential } from '@azure/identity';
import type { TenantConfig } from '../config/settings';
import { isCertificateRejection } from '../entraErrors';
import type { ClientCertificate } from './certificate';
import type { ClientCertificateProvider } from './certificateProvider';
import { certificateSourceOf } from './certificateProvider';
import { RotatingCredential } from './credentialRotation';
import { SecretRejectedError } from './errors';
import type { TokenFailureListener } from './rotatingCredential';

export type CreateCertificateCredential = (
  tenant: TenantConfig,
  certificate: ClientCertificate,
) => TokenCredential;

export const createClientCertificateCredential: CreateCertificateCredential = (tenant, certificate) =>
  new ClientCertificateCredential(
    tenant.tenantId,
    tenant.clientId,
    { certificate: certificate.pem },
    { authorityHost: tenant.endpoints.authorityHost, disableInstanceDiscovery: true },
  );

export class RotatingClientCertificateCredential extends RotatingCredential<ClientCertificate> {
  constructor(
    tenant: TenantConfig,
    certificates: ClientCertificateProvider,
    options: { createCredential?: CreateCertificateCredential; onTokenFailure?: TokenFailureListener } = {},
  ) {
    const createCredential = options.createCredential ?? createClientCertificateCredential;
    super({
      load: () => certificates.get(tenant),
      invalidate: () => certificates.invalidate(tenant),
      identityOf: (certificate) => `${certificate.thumbprint}/${certificate.version ?? ''}`,
      create: (certificate) => createCredential(tenant, certificate),
      isRejection: isCertificateRejection,
      rejected: (code, error) =>
        new SecretRejectedError(
          tenant.tenantId,
          code,
          `Entra refused the certificate of app ${tenant.clientId} in tenant ${tenant.tenantId} (${code}): ` +
            `upload the public key of the current version of Key Vault certificate ` +
            `"${certificateSourceOf(tenant).keyVaultCertificateName}" to the app registration`,
          { cause: error, credentialKind: 'certificate' },
        ),
      onFailure: options.onTokenFailure
        ? (code, error) => options.onTokenFailure?.(tenant, code, error)
        : undefined,
    });
  }
}
