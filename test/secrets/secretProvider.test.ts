import { SecretClient } from '@azure/keyvault-secrets';
import { startKeyVaultStandIn, type KeyVaultStandIn } from '../../local/keyVaultStandIn';
import { SecretUnavailableError } from '../../shared/secrets/errors';
import {
  createKeyVaultSecretClient,
  createSecretProvider,
  EnvironmentSecretProvider,
  KeyVaultSecretProvider,
} from '../../shared/secrets/secretProvider';
import { StaticTokenCredential } from './support/staticCredential';
import { tenantConfig } from './support/tenant';

describe('KeyVaultSecretProvider with the real SecretClient', () => {
  let vault: KeyVaultStandIn;
  let client: SecretClient;
  const tenant = tenantConfig();
  const name = tenant.secret.keyVaultSecretName;
  // The stand-in is shared by the tests here, so reads are counted from each test's start.
  let readsBefore = 0;
  const reads = (): number => vault.secretReads(name) - readsBefore;

  beforeAll(async () => {
    vault = await startKeyVaultStandIn();
  });
  afterAll(() => vault.stop());
  beforeEach(() => {
    vault.deleteSecret(name);
    vault.setAccessDenied(false);
    readsBefore = vault.secretReads(name);
    client = createKeyVaultSecretClient(vault.vaultUrl, new StaticTokenCredential(), {
      disableChallengeResourceVerification: true,
    });
  });

  it('reads the value, version and expiry stored with --expires', async () => {
    const expiresOn = new Date('2031-04-05T06:07:08Z');
    const version = vault.setSecret(name, 'first-value', { expiresOn });
    const secret = await new KeyVaultSecretProvider(client).get(tenant);
    expect(secret).toEqual({ value: 'first-value', expiresOn, version, source: 'keyVault' });
  });

  it('leaves expiresOn undefined for a secret stored without an expiry date', async () => {
    vault.setSecret(name, 'no-expiry');
    const secret = await new KeyVaultSecretProvider(client).get(tenant);
    expect(secret.value).toBe('no-expiry');
    expect(secret.expiresOn).toBeUndefined();
  });

  it('serves repeated gets within the cache time from one vault read', async () => {
    vault.setSecret(name, 'cached');
    const provider = new KeyVaultSecretProvider(client, { cacheSeconds: 300 });
    await provider.get(tenant);
    await provider.get(tenant);
    await provider.get(tenant);
    expect(reads()).toBe(1);
  });

  it('shares one vault read among concurrent gets', async () => {
    vault.setSecret(name, 'shared');
    const provider = new KeyVaultSecretProvider(client, { cacheSeconds: 300 });
    const values = await Promise.all([provider.get(tenant), provider.get(tenant), provider.get(tenant)]);
    expect(values.map((v) => v.value)).toEqual(['shared', 'shared', 'shared']);
    expect(reads()).toBe(1);
  });

  it('picks up a rotated secret at once after invalidate', async () => {
    vault.setSecret(name, 'old-value');
    const provider = new KeyVaultSecretProvider(client, { cacheSeconds: 300 });
    expect((await provider.get(tenant)).value).toBe('old-value');
    const newVersion = vault.setSecret(name, 'new-value');
    expect((await provider.get(tenant)).value).toBe('old-value');
    provider.invalidate(tenant);
    const renewed = await provider.get(tenant);
    expect(renewed.value).toBe('new-value');
    expect(renewed.version).toBe(newVersion);
  });

  it('picks up a rotated secret once the cache time has passed', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    vault.setSecret(name, 'old-value');
    const provider = new KeyVaultSecretProvider(client, { cacheSeconds: 60, clock: () => now });
    await provider.get(tenant);
    vault.setSecret(name, 'new-value');
    now = new Date(now.getTime() + 59_000);
    expect((await provider.get(tenant)).value).toBe('old-value');
    now = new Date(now.getTime() + 2_000);
    expect((await provider.get(tenant)).value).toBe('new-value');
    expect(reads()).toBe(2);
  });

  it('throws a typed notFound error keeping Key Vault’s SecretNotFound code', async () => {
    const error = await new KeyVaultSecretProvider(client).get(tenant).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error).toMatchObject({
      reason: 'notFound',
      code: 'SecretNotFound',
      statusCode: 404,
      secretName: name,
    });
  });

  it('throws a typed disabled error for a disabled secret', async () => {
    vault.setSecret(name, 'off', { enabled: false });
    const error = await new KeyVaultSecretProvider(client).get(tenant).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'SecretUnavailableError',
      reason: 'disabled',
      statusCode: 403,
      innerCode: 'SecretDisabled',
    });
  });

  it('throws a typed forbidden error naming the missing role when the identity may not read', async () => {
    vault.setSecret(name, 'hidden');
    vault.setAccessDenied(true);
    const error = (await new KeyVaultSecretProvider(client).get(tenant).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({
      reason: 'forbidden',
      code: 'Forbidden',
      innerCode: 'ForbiddenByRbac',
      statusCode: 403,
    });
    expect(error.message).toContain('Key Vault Secrets User');
  });

  it('does not cache a failure: the secret stored afterwards is read on the next get', async () => {
    const provider = new KeyVaultSecretProvider(client, { cacheSeconds: 300 });
    await expect(provider.get(tenant)).rejects.toBeInstanceOf(SecretUnavailableError);
    vault.setSecret(name, 'now-there');
    expect((await provider.get(tenant)).value).toBe('now-there');
  });

  it('createSecretProvider reads Key Vault when KEY_VAULT_URL is configured', async () => {
    vault.setSecret(name, 'via-config');
    const provider = createSecretProvider(
      { keyVault: { url: vault.vaultUrl, secretCacheSeconds: 300 } },
      new StaticTokenCredential(),
      { disableChallengeResourceVerification: true },
    );
    expect(await provider.get(tenant)).toMatchObject({ value: 'via-config', source: 'keyVault' });
  });
});

describe('EnvironmentSecretProvider', () => {
  it('returns the local fallback value with no expiry', async () => {
    const tenant = tenantConfig({
      secret: {
        keyVaultSecretName: 'x',
        localFallbackSetting: 'O365_CLIENT_SECRET',
        localFallbackValue: 'local',
      },
    });
    expect(await new EnvironmentSecretProvider().get(tenant)).toEqual({
      value: 'local',
      source: 'environment',
    });
  });

  it('throws notConfigured naming the setting when no value was given', async () => {
    const tenant = tenantConfig({
      secret: { keyVaultSecretName: 'x', localFallbackSetting: 'O365_CLIENT_SECRET' },
    });
    const error = (await new EnvironmentSecretProvider().get(tenant).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ reason: 'notConfigured' });
    expect(error.message).toContain('O365_CLIENT_SECRET');
  });

  it('is what createSecretProvider chooses without KEY_VAULT_URL', () => {
    const provider = createSecretProvider(
      { keyVault: { secretCacheSeconds: 300 } },
      new StaticTokenCredential(),
    );
    expect(provider).toBeInstanceOf(EnvironmentSecretProvider);
  });
});
