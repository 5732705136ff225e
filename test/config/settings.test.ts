import { ConfigError, loadConfig, MAX_LOOKBACK_HOURS, SETTINGS } from '../../shared/config/settings';
import { CONTENT_TYPES } from '../../shared/contentTypes';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const base = {
  O365_TENANT_ID: TENANT,
  O365_CLIENT_ID: CLIENT,
  O365_CLIENT_SECRET: 'local-secret',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

function problemsOf(env: Record<string, string>): { setting: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('builds a single Commercial tenant with all five content types from the shorthand', () => {
    const c = loadConfig(base);
    expect(c.tenants).toHaveLength(1);
    const t = c.tenants[0];
    expect(t.tenantId).toBe(TENANT);
    expect(t.cloud).toBe('Commercial');
    expect(t.endpoints.apiBaseUrl).toBe('https://manage.office.com');
    expect(t.endpoints.tokenScope).toBe('https://manage.office.com/.default');
    expect(t.secret).toEqual({
      keyVaultSecretName: 'o365-client-secret',
      localFallbackSetting: 'O365_CLIENT_SECRET',
      localFallbackValue: 'local-secret',
    });
    expect(t.publisherId).toBe(TENANT);
    expect(c.contentTypes).toEqual([...CONTENT_TYPES]);
    expect(c.names).toEqual({
      contentQueue: 'o365-content',
      poisonQueue: 'o365-content-poison',
      ledgerTable: 'o365ledger',
      stateTable: 'o365state',
      eventsContainer: 'o365-events',
      dedupeContainer: 'o365-dedupe',
    });
    expect(c.secretExpiry.thresholdsDays).toEqual([30, 14, 7, 1]);
  });

  it('lower-cases GUIDs so tenant comparisons elsewhere are exact', () => {
    const c = loadConfig({
      ...base,
      O365_TENANT_ID: TENANT.toUpperCase(),
      PUBLISHER_ID: CLIENT.toUpperCase(),
    });
    expect(c.tenants[0].tenantId).toBe(TENANT);
    expect(c.tenants[0].publisherId).toBe(CLIENT);
  });

  it.each([
    ['GCC', 'https://manage-gcc.office.com', 'https://login.microsoftonline.com'],
    ['GCCHigh', 'https://manage.office365.us', 'https://login.microsoftonline.us'],
    ['DoD', 'https://manage.protection.apps.mil', 'https://login.microsoftonline.us'],
  ])('uses the %s preset', (cloud, api, authority) => {
    const t = loadConfig({ ...base, O365_CLOUD: cloud }).tenants[0];
    expect(t.endpoints.apiBaseUrl).toBe(api);
    expect(t.endpoints.authorityHost).toBe(authority);
    expect(t.endpoints.tokenScope).toBe(`${api}/.default`);
  });

  it('derives the token scope from an overridden API base URL unless the scope is overridden too', () => {
    const t = loadConfig({ ...base, O365_API_BASE_URL: 'https://127.0.0.1:8443/' }).tenants[0];
    expect(t.endpoints.apiBaseUrl).toBe('https://127.0.0.1:8443');
    expect(t.endpoints.tokenScope).toBe('https://127.0.0.1:8443/.default');
    const t2 = loadConfig({
      ...base,
      O365_CLOUD: 'GCC',
      O365_TOKEN_SCOPE: 'https://manage.office.com/.default',
    }).tenants[0];
    expect(t2.endpoints.tokenScope).toBe('https://manage.office.com/.default');
  });

  it('reads many tenants from O365_TENANTS with per-tenant secret names and fallbacks', () => {
    const other = '99999999-8888-7777-6666-555555555555';
    const c = loadConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      KEY_VAULT_URL: 'https://kv-test.vault.azure.net',
      O365_TENANTS: JSON.stringify([
        { tenantId: TENANT, clientId: CLIENT, displayName: 'Contoso' },
        { tenantId: other, clientId: CLIENT, cloud: 'GCCHigh', secretName: 'fabrikam-secret' },
      ]),
    });
    expect(c.tenants.map((t) => [t.tenantId, t.cloud, t.displayName, t.secret.keyVaultSecretName])).toEqual([
      [TENANT, 'Commercial', 'Contoso', `o365-client-secret-${TENANT}`],
      [other, 'GCCHigh', undefined, 'fabrikam-secret'],
    ]);
  });

  it('names the missing tenant settings', () => {
    expect(problemsOf({ AzureWebJobsStorage: 'x' })).toEqual([
      { setting: 'O365_TENANT_ID', message: expect.stringContaining('required') },
    ]);
    expect(problemsOf({ ...base, O365_CLIENT_ID: '' }).map((p) => p.setting)).toEqual(['O365_CLIENT_ID']);
  });

  it('reports every problem at once, each with its setting name', () => {
    const problems = problemsOf({
      O365_TENANT_ID: 'not-a-guid',
      O365_CLIENT_ID: CLIENT,
      O365_CLOUD: 'Mars',
      O365_CONTENT_TYPES: 'Audit.Exchange,Audit.Nope',
      WEBHOOK_URL: 'ftp://example.com',
      BACKFILL_LOOKBACK_HOURS: String(MAX_LOOKBACK_HOURS + 1),
      SECRET_EXPIRY_THRESHOLDS_DAYS: '30,zero',
      GRAPH_EXPIRY_CHECK: 'maybe',
      CONTENT_QUEUE_NAME: 'Bad_Queue',
      MAINTENANCE_SCHEDULE: '*/5 * * * *',
    });
    const settings = problems.map((p) => p.setting).sort();
    expect(settings).toEqual(
      [
        'AzureWebJobsStorage',
        'BACKFILL_LOOKBACK_HOURS',
        'CONTENT_QUEUE_NAME',
        'GRAPH_EXPIRY_CHECK',
        'MAINTENANCE_SCHEDULE',
        'O365_CLOUD',
        'O365_CONTENT_TYPES',
        'O365_TENANT_ID',
        'SECRET_EXPIRY_THRESHOLDS_DAYS',
        'WEBHOOK_URL',
      ].sort(),
    );
    expect(problems.find((p) => p.setting === 'O365_CLOUD')?.message).toContain('Commercial');
  });

  it('requires WEBHOOK_AUTH_ID when a webhook address is configured', () => {
    expect(problemsOf({ ...base, WEBHOOK_URL: 'https://func.example.net/api/webhook' })).toEqual([
      { setting: 'WEBHOOK_AUTH_ID', message: expect.stringContaining('WEBHOOK_URL') },
    ]);
  });

  it('requires a secret source: Key Vault, or the local fallback', () => {
    const { O365_CLIENT_SECRET: _omit, ...noSecret } = base;
    expect(problemsOf(noSecret)[0].setting).toBe('O365_CLIENT_SECRET');
    expect(loadConfig({ ...noSecret, KEY_VAULT_URL: 'https://kv.vault.azure.net' }).keyVault.url).toBe(
      'https://kv.vault.azure.net',
    );
  });

  it('rejects malformed O365_TENANTS with the JSON error or the entry path', () => {
    const env = { AzureWebJobsStorage: 'x', KEY_VAULT_URL: 'https://kv.vault.azure.net' };
    expect(problemsOf({ ...env, O365_TENANTS: '[{' })[0]).toEqual({
      setting: 'O365_TENANTS',
      message: expect.stringContaining('not valid JSON'),
    });
    expect(problemsOf({ ...env, O365_TENANTS: JSON.stringify([{ tenantId: TENANT }]) })[0].setting).toBe(
      'O365_TENANTS[0].clientId',
    );
    expect(
      problemsOf({ ...env, O365_TENANTS: JSON.stringify([{ tenantId: TENANT, clientId: 'x' }]) })[0].setting,
    ).toBe('O365_TENANTS[0].clientId');
    expect(
      problemsOf({
        ...env,
        O365_TENANTS: JSON.stringify([
          { tenantId: TENANT, clientId: CLIENT },
          { tenantId: TENANT.toUpperCase(), clientId: CLIENT },
        ]),
      })[0].message,
    ).toContain('more than once');
  });

  it('refuses both tenant forms at once', () => {
    expect(problemsOf({ ...base, O365_TENANTS: '[]' })[0].setting).toBe('O365_TENANTS');
  });

  it('accepts identity-based storage settings', () => {
    const { AzureWebJobsStorage: _cs, ...rest } = base;
    const c = loadConfig({
      ...rest,
      AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net',
      AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net',
      AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net',
      AzureWebJobsStorage__clientId: CLIENT,
    });
    expect(c.storage).toEqual({
      kind: 'identity',
      blobServiceUri: 'https://st.blob.core.windows.net',
      queueServiceUri: 'https://st.queue.core.windows.net',
      tableServiceUri: 'https://st.table.core.windows.net',
      managedIdentityClientId: CLIENT,
    });
  });

  it('sorts thresholds from far to near and drops repeats', () => {
    expect(
      loadConfig({ ...base, SECRET_EXPIRY_THRESHOLDS_DAYS: '7, 60,7,1' }).secretExpiry.thresholdsDays,
    ).toEqual([60, 7, 1]);
  });

  it('documents every setting it can name in a problem', () => {
    const named = problemsOf({ O365_TENANT_ID: 'x', O365_CLIENT_ID: 'y', O365_CLOUD: 'z' }).map(
      (p) => p.setting,
    );
    for (const s of named) expect(Object.keys(SETTINGS)).toContain(s);
  });
});
