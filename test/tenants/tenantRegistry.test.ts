import { loadConfig, credentialOf, type AppConfig } from '../../shared/config/settings';
import { memoryLogger } from '../../shared/log';
import { CachedTenantDirectory, TenantRegistryUnavailableError } from '../../shared/tenants/tenantDirectory';
import { newTenantRecord, type TenantRecord } from '../../shared/tenants/tenantRecord';
import {
  TENANT_PARTITION,
  TenantExistsError,
  TenantNotFoundError,
  TenantRegistry,
} from '../../shared/tenants/tenantRegistry';
import { uniqueName, useAzurite } from '../storage/azuriteFixture';

const SETTINGS_TENANT = '11111111-2222-4333-8444-555555555555';
const SETTINGS_CLIENT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const MSSP_APP = 'cccccccc-dddd-4eee-8fff-000000000000';
const CUSTOMER_A = 'a0000000-0000-4000-8000-00000000000a';
const CUSTOMER_B = 'b0000000-0000-4000-8000-00000000000b';
const T0 = new Date('2030-01-01T00:00:00Z');

function configWith(env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
    O365_TENANT_ID: SETTINGS_TENANT,
    O365_CLIENT_ID: SETTINGS_CLIENT,
    ...env,
  });
}

function record(
  tenantId: string,
  existing: TenantRecord[] = [],
  extra: Partial<Parameters<typeof newTenantRecord>[0]> = {},
): TenantRecord {
  const made = newTenantRecord({ tenantId, clientId: MSSP_APP, ...extra }, existing, T0);
  if (Array.isArray(made)) throw new Error(made.join('; '));
  return made;
}

describe('tenant registry in Table Storage', () => {
  const azurite = useAzurite();
  let now: Date;
  let registry: TenantRegistry;
  beforeEach(() => {
    now = T0;
    registry = new TenantRegistry(azurite.clients().tableClient(uniqueName('tenants')), () => now);
  });

  it('adds, lists, disables, enables and removes a tenant, refusing a second add of the same id', async () => {
    await registry.add(record(CUSTOMER_A, [], { displayName: 'Contoso', cloud: 'GCC' }));
    await expect(registry.add(record(CUSTOMER_A))).rejects.toBeInstanceOf(TenantExistsError);
    expect((await registry.list()).records).toEqual([
      expect.objectContaining({
        tenantId: CUSTOMER_A,
        cloud: 'GCC',
        displayName: 'Contoso',
        enabled: true,
        source: 'registry',
      }),
    ]);
    now = new Date(T0.getTime() + 1000);
    const disabled = await registry.setEnabled(CUSTOMER_A.toUpperCase(), false);
    expect(disabled).toMatchObject({
      enabled: false,
      addedAt: T0.toISOString(),
      updatedAt: now.toISOString(),
    });
    expect((await registry.get(CUSTOMER_A))?.enabled).toBe(false);
    expect((await registry.setEnabled(CUSTOMER_A, true)).enabled).toBe(true);
    expect(await registry.remove(CUSTOMER_A)).toBe(true);
    expect(await registry.remove(CUSTOMER_A)).toBe(false);
    await expect(registry.setEnabled(CUSTOMER_A, false)).rejects.toBeInstanceOf(TenantNotFoundError);
  });

  it('seeds from the settings idempotently and never re-enables a tenant disabled in the registry', async () => {
    const config = configWith({ O365_TENANT_NAME: 'Fabrikam' });
    expect(await registry.seed(config.tenants)).toEqual({
      added: [SETTINGS_TENANT],
      updated: [],
      unchanged: [],
    });
    expect(await registry.seed(config.tenants)).toEqual({
      added: [],
      updated: [],
      unchanged: [SETTINGS_TENANT],
    });
    await registry.setEnabled(SETTINGS_TENANT, false);

    // The settings change (a certificate instead of the secret): the row follows, still disabled.
    const changed = configWith({
      O365_TENANT_NAME: 'Fabrikam',
      O365_CREDENTIAL: 'certificate',
      O365_CERTIFICATE_NAME: 'fabrikam-cert',
    });
    expect(await registry.seed(changed.tenants)).toEqual({
      added: [],
      updated: [SETTINGS_TENANT],
      unchanged: [],
    });
    expect(await registry.get(SETTINGS_TENANT)).toMatchObject({
      enabled: false,
      credential: 'certificate',
      credentialName: 'fabrikam-cert',
      source: 'settings',
      addedAt: T0.toISOString(),
    });
  });

  it('lists a row it cannot read apart, with the reason, instead of failing the whole list', async () => {
    const table = azurite.clients().tableClient(uniqueName('tenants'));
    const own = new TenantRegistry(table, () => now);
    await own.add(record(CUSTOMER_A));
    await table.createEntity({
      partitionKey: TENANT_PARTITION,
      rowKey: CUSTOMER_B,
      clientId: MSSP_APP,
      cloud: 'Mars',
      credential: 'secret',
      enabled: true,
    });
    const listing = await own.list();
    expect(listing.records.map((r) => r.tenantId)).toEqual([CUSTOMER_A]);
    expect(listing.unreadable).toEqual([{ tenantId: CUSTOMER_B, reason: 'unknown cloud "Mars"' }]);
  });
});

describe('tenant directory over the registry: changes visible within its cache time, without restart', () => {
  const azurite = useAzurite();
  let now: Date;
  let registry: TenantRegistry;
  let config: AppConfig;
  const at = (seconds: number) => {
    now = new Date(T0.getTime() + seconds * 1000);
  };
  beforeEach(async () => {
    now = T0;
    config = configWith();
    registry = new TenantRegistry(azurite.clients().tableClient(uniqueName('tenants')), () => now);
    await registry.seed(config.tenants);
  });

  /** A function instance: its own directory, its own cache. */
  function instance(): CachedTenantDirectory {
    return new CachedTenantDirectory(registry, { config, clock: () => now, logger: memoryLogger() });
  }

  it('sees an added tenant after at most 60 seconds, in every instance', async () => {
    const [first, second] = [instance(), instance()];
    expect((await first.list()).map((t) => t.tenantId)).toEqual([SETTINGS_TENANT]);
    expect((await second.get(CUSTOMER_A)).status).toBe('unknown');

    await registry.add(record(CUSTOMER_A));
    at(30);
    expect((await first.get(CUSTOMER_A)).status).toBe('unknown'); // still cached
    at(61);
    for (const directory of [first, second]) {
      const lookup = await directory.get(CUSTOMER_A);
      expect(lookup.status).toBe('active');
      if (lookup.status === 'active') {
        expect(lookup.tenant).toMatchObject({
          tenantId: CUSTOMER_A,
          clientId: MSSP_APP,
          cloud: 'Commercial',
        });
        expect(lookup.tenant.secret.keyVaultSecretName).toBe(`o365-client-secret-${CUSTOMER_A}`);
      }
    }
  });

  it('refuses a disabled tenant and a removed one with a reason, after the cache time', async () => {
    await registry.add(record(CUSTOMER_A));
    const directory = instance();
    expect((await directory.get(CUSTOMER_A)).status).toBe('active');

    await registry.setEnabled(CUSTOMER_A, false);
    at(61);
    expect(await directory.get(CUSTOMER_A)).toEqual({
      status: 'disabled',
      tenantId: CUSTOMER_A,
      reason: `tenant ${CUSTOMER_A} is disabled in the tenant registry`,
    });
    expect((await directory.list()).map((t) => t.tenantId)).toEqual([SETTINGS_TENANT]);

    await registry.remove(CUSTOMER_A);
    at(122);
    const removed = await directory.get(CUSTOMER_A);
    expect(removed).toMatchObject({
      status: 'unknown',
      reason: expect.stringMatching(/not in the tenant registry/),
    });
  });

  it('serves one multi-tenant app to many tenants with its one credential, and a settings tenant as configured', async () => {
    const first = record(CUSTOMER_A, [], { credential: 'certificate', credentialName: 'mssp-app-cert' });
    await registry.add(first);
    await registry.add(record(CUSTOMER_B, [first], { credential: 'certificate' }));
    const tenants = await instance().list();
    const byId = new Map(tenants.map((t) => [t.tenantId, t]));
    for (const id of [CUSTOMER_A, CUSTOMER_B]) {
      expect(credentialOf(byId.get(id)!)).toEqual({
        kind: 'certificate',
        keyVaultCertificateName: 'mssp-app-cert',
      });
    }
    expect(byId.get(SETTINGS_TENANT)).toBe(config.tenants[0]);
  });

  it('reports a row the settings rules refuse as invalid, naming the problem', async () => {
    // Federated needs AZURE_CLIENT_ID, which this configuration lacks.
    await registry.add(record(CUSTOMER_A, [], { credential: 'federated' }));
    const lookup = await instance().get(CUSTOMER_A);
    expect(lookup).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/AZURE_CLIENT_ID/) });
  });

  it('keeps serving the last known tenants when the registry becomes unreadable, and fails before it ever read it', async () => {
    let broken = false;
    const flaky = { list: () => (broken ? Promise.reject(new Error('storage down')) : registry.list()) };
    const logger = memoryLogger();
    const directory = new CachedTenantDirectory(flaky, { config, clock: () => now, logger });
    expect((await directory.list()).length).toBe(1);
    broken = true;
    at(61);
    expect((await directory.list()).length).toBe(1);
    expect(logger.lines.some((l) => l.level === 'warn' && l.line.includes('storage down'))).toBe(true);
    const fresh = new CachedTenantDirectory(flaky, { config, clock: () => now });
    await expect(fresh.list()).rejects.toThrow(/storage down/);
  });
});

describe('tenant directory before the registry is seeded or readable', () => {
  const azurite = useAzurite();
  const config = configWith();

  it('serves a tenant of the settings that the registry does not hold yet', async () => {
    const empty = new TenantRegistry(azurite.clients().tableClient(uniqueName('tenants')));
    const directory = new CachedTenantDirectory(empty, { config });
    expect((await directory.list()).map((t) => t.tenantId)).toEqual([SETTINGS_TENANT]);
    expect(await directory.get(SETTINGS_TENANT)).toEqual({ status: 'active', tenant: config.tenants[0] });
  });

  it('still serves a settings tenant when the registry was never readable, and says it cannot check any other', async () => {
    const down = { list: () => Promise.reject(new Error('storage down')) };
    const directory = new CachedTenantDirectory(down, { config });
    expect(await directory.get(SETTINGS_TENANT)).toEqual({ status: 'active', tenant: config.tenants[0] });
    const unchecked = directory.get(CUSTOMER_A);
    await expect(unchecked).rejects.toThrow(TenantRegistryUnavailableError);
    await expect(unchecked).rejects.toThrow(
      `tenant ${CUSTOMER_A} cannot be checked: the tenant registry is unreadable (storage down)`,
    );
  });
});
