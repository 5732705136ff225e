import { SecretUnavailableError } from '../../shared/secrets/errors';
import { namedSecret } from '../../shared/secrets/namedSecret';

const source = { keyVaultSecretName: 'splunk-hec-token', localFallbackSetting: 'SPLUNK_HEC_TOKEN' };

describe('named secrets (sink API keys and tokens)', () => {
  it('reads the Key Vault secret by name when a vault is configured, and forgets it on invalidate', async () => {
    const asked: string[] = [];
    const dropped: string[] = [];
    const vault = {
      getByName: async (name: string) => {
        asked.push(name);
        return { value: 'from-vault', source: 'keyVault' as const };
      },
      invalidateByName: (name: string) => {
        dropped.push(name);
      },
    };
    const secret = namedSecret({ ...source, localFallbackValue: 'ignored' }, vault);
    expect(await secret.read()).toBe('from-vault');
    secret.invalidate();
    expect(asked).toEqual(['splunk-hec-token']);
    expect(dropped).toEqual(['splunk-hec-token']);
  });

  it('uses the local fallback without a vault, and says which setting to set when it is empty', async () => {
    expect(await namedSecret({ ...source, localFallbackValue: 'local' }, undefined).read()).toBe('local');
    const error = await namedSecret(source, undefined)
      .read()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toBe(
      'No value for SPLUNK_HEC_TOKEN: set KEY_VAULT_URL and store the secret "splunk-hec-token" there, or set SPLUNK_HEC_TOKEN for local runs',
    );
  });
});
