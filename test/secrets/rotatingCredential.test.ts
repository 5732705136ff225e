import { startKeyVaultStandIn, type KeyVaultStandIn } from '../../local/keyVaultStandIn';
import type { TenantConfig } from '../../shared/config/settings';
import { SecretRejectedError } from '../../shared/secrets/errors';
import { RotatingClientSecretCredential } from '../../shared/secrets/rotatingCredential';
import { createKeyVaultSecretClient, KeyVaultSecretProvider } from '../../shared/secrets/secretProvider';
import { startEntraStandIn, type EntraStandIn } from './support/entraStandIn';
import { StaticTokenCredential } from './support/staticCredential';
import { CLIENT_ID, TENANT_ID, tenantConfig } from './support/tenant';

const SCOPE = 'https://manage.office.com/.default';

describe('RotatingClientSecretCredential with Key Vault and a real ClientSecretCredential', () => {
  let vault: KeyVaultStandIn;
  let entra: EntraStandIn;
  let tenant: TenantConfig;
  let secretCounter = 0;
  let name: string;

  beforeAll(async () => {
    [vault, entra] = await Promise.all([
      startKeyVaultStandIn({ tenantId: TENANT_ID }),
      startEntraStandIn(TENANT_ID, CLIENT_ID),
    ]);
  });
  afterAll(() => Promise.all([vault.stop(), entra.stop()]));
  beforeEach(() => {
    // Each test gets its own vault item, so the shared stand-ins carry nothing between tests.
    secretCounter += 1;
    name = `o365-client-secret-${secretCounter}`;
    tenant = tenantConfig({
      endpoints: { ...tenantConfig().endpoints, authorityHost: entra.authorityHost },
      secret: { keyVaultSecretName: name },
    });
  });

  function provider(): KeyVaultSecretProvider {
    const client = createKeyVaultSecretClient(vault.vaultUrl, new StaticTokenCredential(), {
      disableChallengeResourceVerification: true,
    });
    return new KeyVaultSecretProvider(client, { cacheSeconds: 3600 });
  }

  it('gets a token with the secret stored in Key Vault', async () => {
    vault.setSecret(name, 'secret-one');
    entra.setSecret('secret-one', 'valid');
    const credential = new RotatingClientSecretCredential(tenant, provider());
    const token = await credential.getToken(SCOPE);
    expect(token?.token).toMatch(/^stand-in-access-token-/);
  });

  it('uses a secret renewed in Key Vault on the next token after Entra refuses the old one, without restart', async () => {
    vault.setSecret(name, 'old-secret');
    entra.setSecret('old-secret', 'valid');
    const failures: (string | undefined)[] = [];
    const credential = new RotatingClientSecretCredential(tenant, provider(), {
      onTokenFailure: (_t, code) => failures.push(code),
    });
    await credential.getToken(SCOPE);

    // The admin renews the secret: new one in Entra and Key Vault, old one deleted in Entra.
    entra.setSecret('new-secret', 'valid');
    vault.setSecret(name, 'new-secret');
    entra.removeSecret('old-secret');

    // A different scope so MSAL's cached token for the old secret cannot answer.
    const token = await credential.getToken('https://graph.microsoft.com/.default');
    expect(token?.token).toMatch(/^stand-in-access-token-/);
    const graphRequests = entra.tokenRequests.filter((r) => r.scope.startsWith('https://graph'));
    expect(graphRequests.map((r) => r.outcome)).toEqual(['AADSTS7000215', 'issued']);
    expect(failures).toEqual([]);
  });

  it('throws SecretRejectedError with AADSTS7000222 and tells the listener when the stored secret expired', async () => {
    vault.setSecret(name, 'expired-secret');
    entra.setSecret('expired-secret', 'expired');
    const failures: { tenantId: string; code: string | undefined }[] = [];
    const credential = new RotatingClientSecretCredential(tenant, provider(), {
      onTokenFailure: (t, code) => failures.push({ tenantId: t.tenantId, code }),
    });
    const error = await credential.getToken(SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretRejectedError);
    expect(error).toMatchObject({ aadstsCode: 'AADSTS7000222', tenantId: TENANT_ID });
    expect((error as Error).message).not.toContain('expired-secret');
    expect(failures).toEqual([{ tenantId: TENANT_ID, code: 'AADSTS7000222' }]);
  });

  it('re-reads Key Vault once on AADSTS7000215 and throws SecretRejectedError when the value is unchanged', async () => {
    vault.setSecret(name, 'wrong-secret');
    const before = vault.secretReads(name);
    const failures: (string | undefined)[] = [];
    const credential = new RotatingClientSecretCredential(tenant, provider(), {
      onTokenFailure: (_t, code) => failures.push(code),
    });
    await expect(credential.getToken(SCOPE)).rejects.toMatchObject({
      name: 'SecretRejectedError',
      aadstsCode: 'AADSTS7000215',
    });
    expect(vault.secretReads(name) - before).toBe(2);
    expect(failures).toEqual(['AADSTS7000215']);
  });

  it('reports the second refusal when the renewed secret is refused too', async () => {
    vault.setSecret(name, 'old');
    const failures: (string | undefined)[] = [];
    const secrets = provider();
    const credential = new RotatingClientSecretCredential(tenant, secrets, {
      onTokenFailure: (_t, code) => failures.push(code),
    });
    await secrets.get(tenant); // cached: "old"
    vault.setSecret(name, 'newer-but-expired');
    entra.setSecret('newer-but-expired', 'expired');
    await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ aadstsCode: 'AADSTS7000222' });
    expect(failures).toEqual(['AADSTS7000222']);
  });
});

describe('RotatingClientSecretCredential failure paths with credential doubles', () => {
  const tenant = tenantConfig();
  const fixedSecrets = (value: string) => {
    let invalidations = 0;
    return {
      get: async () => ({ value, source: 'environment' as const }),
      invalidate: () => void (invalidations += 1),
      invalidations: () => invalidations,
    };
  };

  it('passes a failure without an AADSTS secret code through unchanged, without invalidating', async () => {
    const secrets = fixedSecrets('s');
    const network = new Error('connect ECONNREFUSED 127.0.0.1:1');
    const codes: (string | undefined)[] = [];
    const credential = new RotatingClientSecretCredential(tenant, secrets, {
      createCredential: () => ({ getToken: () => Promise.reject(network) }),
      onTokenFailure: (_t, code) => codes.push(code),
    });
    await expect(credential.getToken(SCOPE)).rejects.toBe(network);
    expect(secrets.invalidations()).toBe(0);
    expect(codes).toEqual([undefined]);
  });

  it('keeps the token failure when the listener itself throws', async () => {
    const credential = new RotatingClientSecretCredential(tenant, fixedSecrets('s'), {
      createCredential: () => ({ getToken: () => Promise.reject(new Error('AADSTS7000222: expired')) }),
      onTokenFailure: () => {
        throw new Error('listener broke');
      },
    });
    await expect(credential.getToken(SCOPE)).rejects.toMatchObject({ aadstsCode: 'AADSTS7000222' });
  });

  it('keeps the refusal when re-reading the secret fails', async () => {
    let calls = 0;
    const secrets = {
      get: async () => {
        calls += 1;
        if (calls > 1) throw new Error('vault down');
        return { value: 'v', source: 'keyVault' as const };
      },
      invalidate: () => undefined,
    };
    const credential = new RotatingClientSecretCredential(tenant, secrets, {
      createCredential: () => ({ getToken: () => Promise.reject(new Error('AADSTS7000215: invalid')) }),
    });
    await expect(credential.getToken(SCOPE)).rejects.toBeInstanceOf(SecretRejectedError);
  });

  it('builds one underlying credential per secret value', async () => {
    let value = 'a';
    const built: string[] = [];
    const credential = new RotatingClientSecretCredential(
      tenant,
      { get: async () => ({ value, source: 'keyVault' }), invalidate: () => undefined },
      {
        createCredential: (_t, s) => {
          built.push(s.value);
          return { getToken: async () => ({ token: `t-${s.value}`, expiresOnTimestamp: 0 }) };
        },
      },
    );
    await credential.getToken(SCOPE);
    await credential.getToken(SCOPE);
    value = 'b';
    await credential.getToken(SCOPE);
    expect(built).toEqual(['a', 'b']);
  });
});
