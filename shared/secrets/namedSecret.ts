/**
 * Secrets other than tenants' client secrets (a sink's API key or token): read from Key Vault by
 * name when KEY_VAULT_URL is set, cached like the client secrets so a value renewed in the vault is
 * picked up within SECRET_CACHE_SECONDS; otherwise the local fallback setting's value.
 */
import { SecretUnavailableError } from './errors';
import type { KeyVaultSecretProvider } from './secretProvider';

export interface NamedSecretSource {
  /** Name of the Key Vault secret. */
  keyVaultSecretName: string;
  /** The setting holding the value for local runs without Key Vault. */
  localFallbackSetting: string;
  /** That setting's value, read by shared/config. */
  localFallbackValue?: string;
}

export interface SecretValue {
  read(): Promise<string>;
  /** Forget the cached value (after the destination refused it), so the next read asks the vault. */
  invalidate(): void;
}

export function namedSecret(
  source: NamedSecretSource,
  keyVault: Pick<KeyVaultSecretProvider, 'getByName' | 'invalidateByName'> | undefined,
): SecretValue {
  if (keyVault) {
    return {
      read: async () => (await keyVault.getByName(source.keyVaultSecretName)).value,
      invalidate: () => keyVault.invalidateByName(source.keyVaultSecretName),
    };
  }
  return {
    read: async () => {
      if (source.localFallbackValue === undefined || source.localFallbackValue === '') {
        throw new SecretUnavailableError(
          source.localFallbackSetting,
          'notConfigured',
          `No value for ${source.localFallbackSetting}: set KEY_VAULT_URL and store the secret ` +
            `"${source.keyVaultSecretName}" there, or set ${source.localFallbackSetting} for local runs`,
        );
      }
      return source.localFallbackValue;
    },
    invalidate: () => undefined,
  };
}
