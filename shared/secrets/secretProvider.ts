/**
 * Where each tenant's client secret comes from. In Azure: Key Vault, read with the function's managed
 * identity and cached a few minutes, so a secret renewed in the vault is picked up without a redeploy
 * (a `@Microsoft.KeyVault(...)` app-setting reference would refresh only within about a day). Locally:
 * the value from the environment, read by shared/config.
 */
import type { TokenCredential } from '@azure/identity';
import { SecretClient, type KeyVaultSecret } from '@azure/keyvault-secrets';
import type { AppConfig, TenantConfig } from '../config/settings';
import { SecretUnavailableError } from './errors';

export interface ClientSecret {
  value: string;
  expiresOn?: Date;
  version?: string;
  /** Key Vault's content type of the item (a certificate's secret: application/x-pem-file or x-pkcs12). */
  contentType?: string;
  source: 'keyVault' | 'environment';
}

export interface ClientSecretProvider {
  get(tenant: TenantConfig): Promise<ClientSecret>;
  /** Forget the cached value so the next get reads the store again (after Entra refused it). */
  invalidate(tenant: TenantConfig): void;
}

/** The one SecretClient method we use, so a caller may wrap the client (tracing, counting). */
export type SecretReader = Pick<SecretClient, 'getSecret'>;

export interface KeyVaultSecretProviderOptions {
  /** Default 300 (SECRET_CACHE_SECONDS). 0 reads the vault on every get. */
  cacheSeconds?: number;
  clock?: () => Date;
}

interface CacheEntry {
  secret: ClientSecret;
  readAt: number;
}

export class KeyVaultSecretProvider implements ClientSecretProvider {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<ClientSecret>>();
  private readonly cacheMs: number;
  private readonly clock: () => Date;

  constructor(
    private readonly client: SecretReader,
    options: KeyVaultSecretProviderOptions = {},
  ) {
    this.cacheMs = (options.cacheSeconds ?? 300) * 1000;
    this.clock = options.clock ?? (() => new Date());
  }

  get(tenant: TenantConfig): Promise<ClientSecret> {
    return this.getByName(tenant.secret.keyVaultSecretName);
  }

  /** Any secret of the vault by name (sink API keys and tokens), with the same cache. */
  getByName(name: string): Promise<ClientSecret> {
    const cached = this.cache.get(name);
    const now = this.clock().getTime();
    if (cached && now - cached.readAt < this.cacheMs) return Promise.resolve(cached.secret);
    const pending = this.inFlight.get(name);
    if (pending) return pending;

    const read = this.read(name)
      .then((secret) => {
        // An invalidate() during the read dropped this promise: its (possibly stale) answer is not cached.
        if (this.inFlight.get(name) === read)
          this.cache.set(name, { secret, readAt: this.clock().getTime() });
        return secret;
      })
      .finally(() => {
        if (this.inFlight.get(name) === read) this.inFlight.delete(name);
      });
    this.inFlight.set(name, read);
    return read;
  }

  invalidate(tenant: TenantConfig): void {
    this.invalidateByName(tenant.secret.keyVaultSecretName);
  }

  invalidateByName(name: string): void {
    this.cache.delete(name);
    this.inFlight.delete(name);
  }

  private async read(name: string): Promise<ClientSecret> {
    let secret: KeyVaultSecret;
    try {
      secret = await this.client.getSecret(name);
    } catch (e) {
      throw toUnavailable(name, e);
    }
    if (secret.value === undefined || secret.value === '') {
      throw new SecretUnavailableError(name, 'empty', `Key Vault secret "${name}" has no value`);
    }
    return {
      value: secret.value,
      expiresOn: secret.properties.expiresOn,
      version: secret.properties.version,
      contentType: secret.properties.contentType,
      source: 'keyVault',
    };
  }
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  // The SDK deserializes Key Vault's `innererror` as `innerError`; accept both spellings.
  details?: { error?: { code?: string; innererror?: { code?: string }; innerError?: { code?: string } } };
}

/** Maps a SecretClient failure to a reason a user can act on, keeping Key Vault's own code. */
export function toUnavailable(name: string, error: unknown): SecretUnavailableError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as RestErrorLike;
  const inner = e.details?.error?.innerError?.code ?? e.details?.error?.innererror?.code;
  const code = e.details?.error?.code ?? e.code;
  const status = e.statusCode;
  const why = e.message ?? String(error);
  if (status === 404) {
    return new SecretUnavailableError(
      name,
      'notFound',
      `Key Vault secret "${name}" does not exist (store it with az keyvault secret set --name ${name})`,
      code,
      status,
      { cause: error, innerCode: inner },
    );
  }
  if (status === 403 && (inner === 'SecretDisabled' || /disabled/i.test(why))) {
    return new SecretUnavailableError(
      name,
      'disabled',
      `Key Vault secret "${name}" is disabled`,
      code,
      status,
      {
        cause: error,
        innerCode: inner,
      },
    );
  }
  if (status === 401 || status === 403) {
    return new SecretUnavailableError(
      name,
      'forbidden',
      `Not allowed to read Key Vault secret "${name}" (${inner ?? code ?? status}): grant the function's identity ` +
        `the Key Vault Secrets User role`,
      code,
      status,
      { cause: error, innerCode: inner },
    );
  }
  if (status === undefined) {
    return new SecretUnavailableError(
      name,
      'unreachable',
      `Key Vault unreachable reading "${name}": ${why}`,
      code,
      status,
      {
        cause: error,
        innerCode: inner,
      },
    );
  }
  return new SecretUnavailableError(
    name,
    'other',
    `Key Vault refused reading "${name}" (${status}${code ? ` ${code}` : ''}): ${why}`,
    code,
    status,
    { cause: error, innerCode: inner },
  );
}

/** Local runs only: the value shared/config read from the tenant's fallback setting. No expiry is known. */
export class EnvironmentSecretProvider implements ClientSecretProvider {
  async get(tenant: TenantConfig): Promise<ClientSecret> {
    const value = tenant.secret.localFallbackValue;
    if (value === undefined || value === '') {
      throw new SecretUnavailableError(
        tenant.secret.localFallbackSetting ?? tenant.secret.keyVaultSecretName,
        'notConfigured',
        `No client secret for tenant ${tenant.tenantId}: set KEY_VAULT_URL, or ` +
          `${tenant.secret.localFallbackSetting ?? "the tenant's clientSecretSetting"} for local runs`,
      );
    }
    return { value, source: 'environment' };
  }

  invalidate(): void {
    // Nothing cached: the environment cannot change under a running process.
  }
}

export function createKeyVaultSecretClient(
  vaultUrl: string,
  credential: TokenCredential,
  options: { disableChallengeResourceVerification?: boolean } = {},
): SecretClient {
  return new SecretClient(vaultUrl, credential, {
    disableChallengeResourceVerification: options.disableChallengeResourceVerification ?? false,
  });
}

/**
 * Key Vault when KEY_VAULT_URL is set, else the environment. `disableChallengeResourceVerification` is
 * for local stand-ins only, whose host is not under vault.azure.net.
 */
export function createSecretProvider(
  config: Pick<AppConfig, 'keyVault'>,
  credential: TokenCredential,
  options: { disableChallengeResourceVerification?: boolean } = {},
): ClientSecretProvider {
  if (!config.keyVault.url) return new EnvironmentSecretProvider();
  return new KeyVaultSecretProvider(createKeyVaultSecretClient(config.keyVault.url, credential, options), {
    cacheSeconds: config.keyVault.secretCacheSeconds,
  });
}
