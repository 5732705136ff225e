/**
 * Where each certificate-credential tenant's certificate comes from. In Azure: the Key Vault
 * certificate, whose private key and certificate Key Vault serves as the secret of the same name,
 * read with the managed identity (Key Vault Secrets User) and cached like a client secret, so a
 * certificate renewed by its auto-renewal policy is used without a restart. Locally: a PEM file.
 */
import { readFile } from 'node:fs/promises';
import { credentialOf, type TenantCertificateSource, type TenantConfig } from '../config/settings';
import { parseCertificatePem, type ClientCertificate } from './certificate';
import { SecretUnavailableError } from './errors';
import { KeyVaultSecretProvider, type ClientSecretProvider } from './secretProvider';

export interface ClientCertificateProvider {
  get(tenant: TenantConfig): Promise<ClientCertificate>;
  /** Forget the cached certificate so the next get reads the store again (after Entra refused it). */
  invalidate(tenant: TenantConfig): void;
}

export function certificateSourceOf(tenant: TenantConfig): TenantCertificateSource {
  const source = credentialOf(tenant);
  if (source.kind !== 'certificate') {
    throw new Error(`tenant ${tenant.tenantId} uses a ${source.kind} credential, not a certificate`);
  }
  return source;
}

export class KeyVaultCertificateProvider implements ClientCertificateProvider {
  // Parsing is cheap but not free: keep the last parse per item, keyed by its text.
  private readonly parsed = new Map<string, ClientCertificate>();

  constructor(private readonly vault: Pick<KeyVaultSecretProvider, 'getByName' | 'invalidateByName'>) {}

  async get(tenant: TenantConfig): Promise<ClientCertificate> {
    const name = certificateSourceOf(tenant).keyVaultCertificateName;
    const item = await this.vault.getByName(name);
    const known = this.parsed.get(name);
    if (known && known.pem === item.value && known.version === item.version) return known;
    const certificate = parseCertificatePem(name, item.value, {
      contentType: item.contentType,
      version: item.version,
      source: 'keyVault',
    });
    this.parsed.set(name, certificate);
    return certificate;
  }

  invalidate(tenant: TenantConfig): void {
    this.vault.invalidateByName(certificateSourceOf(tenant).keyVaultCertificateName);
  }
}

/** Local runs only: the PEM file the tenant's certificatePath names, read on every get (it may be replaced). */
export class FileCertificateProvider implements ClientCertificateProvider {
  async get(tenant: TenantConfig): Promise<ClientCertificate> {
    const source = certificateSourceOf(tenant);
    const path = source.localPemPath;
    if (path === undefined) {
      throw new SecretUnavailableError(
        source.keyVaultCertificateName,
        'notConfigured',
        `No certificate for tenant ${tenant.tenantId}: set KEY_VAULT_URL, or a PEM file path for local runs`,
      );
    }
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new SecretUnavailableError(
        source.localPemPathSetting ?? path,
        'notFound',
        `Cannot read the certificate file ${path}: ${(e as Error).message}`,
      );
    }
    return parseCertificatePem(path, text, { source: 'file' });
  }

  invalidate(): void {
    // Nothing cached: every get reads the file.
  }
}

/**
 * Key Vault when the client secrets come from it (KEY_VAULT_URL is set), read through the same
 * provider and cache; else PEM files (local runs).
 */
export function createCertificateProvider(secrets: ClientSecretProvider): ClientCertificateProvider {
  return secrets instanceof KeyVaultSecretProvider
    ? new KeyVaultCertificateProvider(secrets)
    : new FileCertificateProvider();
}
