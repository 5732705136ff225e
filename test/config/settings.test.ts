import {
  ConfigError,
  credentialOf,
  loadConfig,
  MAX_LOOKBACK_HOURS,
  MIN_WEBHOOK_AUTH_ID_CHARS,
  SETTINGS,
  tenantFromEntry,
} from '../../shared/config/settings';
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
      tenantsTable: 'o365tenants',
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

  it('requires WEBHOOK_AUTH_ID of at least 32 characters, without repeating it', () => {
    const short = 'guessable-0123456789';
    const problems = problemsOf({ ...base, WEBHOOK_AUTH_ID: short });
    expect(problems).toEqual([
      {
        setting: 'WEBHOOK_AUTH_ID',
        message: `must be at least ${MIN_WEBHOOK_AUTH_ID_CHARS} characters (got ${short.length} characters); make one with: openssl rand -hex 20`,
      },
    ]);
    expect(MIN_WEBHOOK_AUTH_ID_CHARS).toBe(32);
    expect(loadConfig({ ...base, WEBHOOK_AUTH_ID: 'a'.repeat(32) }).webhook.authId).toHaveLength(32);
  });

  describe('never repeats a value that may hold a secret', () => {
    const SLACK_TOKEN = 'xoxbSLACKtoken0123456789abcdef';
    const messageOf = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).message;
      }
      throw new Error('expected a ConfigError');
    };

    it.each([
      ['a malformed ALERT_WEBHOOK_URL', 'ALERT_WEBHOOK_URL', `hooks.slack.com/services/T0/B0/${SLACK_TOKEN}`],
      [
        'an http ALERT_WEBHOOK_URL',
        'ALERT_WEBHOOK_URL',
        `http://hooks.slack.com/services/T0/B0/${SLACK_TOKEN}`,
      ],
      [
        'a malformed WEBHOOK_URL with a function key',
        'WEBHOOK_URL',
        `func.example.net/api/webhook?code=${SLACK_TOKEN}`,
      ],
      [
        'a storage URI with a SAS',
        'AzureWebJobsStorage__blobServiceUri',
        `st.blob.core.windows.net/?sv=2024&sig=${SLACK_TOKEN}`,
      ],
      ['a client secret pasted as the client id', 'O365_CLIENT_ID', `Q8~${SLACK_TOKEN}`],
      ['a client secret pasted as the publisher id', 'PUBLISHER_ID', SLACK_TOKEN],
      [
        'a sink URL with credentials over plain http',
        'ELASTICSEARCH_URL',
        `http://elastic:${SLACK_TOKEN}@es.example.net`,
      ],
    ])('%s is named, not shown', (_what, setting, value) => {
      const message = messageOf({
        ...base,
        WEBHOOK_AUTH_ID: 'a'.repeat(40),
        SINKS: 'blob,elasticsearch',
        [setting]: value,
      });
      expect(message).toContain(`${setting}: `);
      expect(message).not.toContain(SLACK_TOKEN.slice(0, 8));
    });

    it('O365_TENANTS that does not parse is named, with no excerpt of its text', () => {
      const text = `[{"tenantId": "${TENANT}", "clientId": ${SLACK_TOKEN}}]`;
      const message = messageOf({
        AzureWebJobsStorage: 'x',
        KEY_VAULT_URL: 'https://kv.vault.azure.net',
        O365_TENANTS: text,
      });
      expect(message).toMatch(/O365_TENANTS: is not valid JSON/);
      // JSON.parse quotes the text around the error, which is where a pasted secret would be.
      expect(message).not.toContain(SLACK_TOKEN.slice(0, 8));
      expect(message).not.toContain(TENANT);
    });

    it('still says what is wrong with an ALERT_WEBHOOK_URL: https only', () => {
      expect(problemsOf({ ...base, ALERT_WEBHOOK_URL: 'http://hooks.example.test/x' })).toEqual([
        { setting: 'ALERT_WEBHOOK_URL', message: 'must use https, got "http:"' },
      ]);
      expect(
        loadConfig({ ...base, ALERT_WEBHOOK_URL: 'https://hooks.example.test/x' }).alerts.webhookUrl,
      ).toBe('https://hooks.example.test/x');
    });
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

  it('reads the maintenance concurrency and per-tenant deadline, with their defaults and bounds', () => {
    expect(loadConfig(base).maintenance).toMatchObject({ concurrency: 16, tenantTimeoutMs: 120_000 });
    expect(
      loadConfig({ ...base, MAINTENANCE_CONCURRENCY: '4', MAINTENANCE_TENANT_TIMEOUT_MS: '45000' })
        .maintenance,
    ).toMatchObject({ concurrency: 4, tenantTimeoutMs: 45_000 });
    expect(
      problemsOf({ ...base, MAINTENANCE_CONCURRENCY: '0', MAINTENANCE_TENANT_TIMEOUT_MS: '600000' }),
    ).toEqual([
      { setting: 'MAINTENANCE_CONCURRENCY', message: 'must be between 1 and 64, got 0' },
      { setting: 'MAINTENANCE_TENANT_TIMEOUT_MS', message: 'must be between 1000 and 300000, got 600000' },
    ]);
  });

  it('documents every setting it can name in a problem', () => {
    const named = problemsOf({ O365_TENANT_ID: 'x', O365_CLIENT_ID: 'y', O365_CLOUD: 'z' }).map(
      (p) => p.setting,
    );
    for (const s of named) expect(Object.keys(SETTINGS)).toContain(s);
  });
});

describe('loadConfig: credential kinds', () => {
  const IDENTITY = '99999999-9999-4999-8999-999999999999';

  it('keeps a client secret as the default credential', () => {
    expect(credentialOf(loadConfig(base).tenants[0])).toEqual({ kind: 'secret' });
  });

  it('reads the single-tenant certificate shorthand with its Key Vault name or a local PEM path', () => {
    const vault = loadConfig({
      ...base,
      KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
      O365_CREDENTIAL: 'certificate',
      O365_CERTIFICATE_NAME: 'contoso-o365',
    });
    expect(vault.tenants[0].credential).toEqual({
      kind: 'certificate',
      keyVaultCertificateName: 'contoso-o365',
    });
    const local = loadConfig({
      ...base,
      O365_CREDENTIAL: 'certificate',
      O365_CERTIFICATE_PATH: '/tmp/app.pem',
    });
    expect(local.tenants[0].credential).toMatchObject({
      keyVaultCertificateName: 'o365-certificate',
      localPemPath: '/tmp/app.pem',
      localPemPathSetting: 'O365_CERTIFICATE_PATH',
    });
  });

  it('needs Key Vault or O365_CERTIFICATE_PATH for a certificate, and AZURE_CLIENT_ID for federated', () => {
    expect(problemsOf({ ...base, O365_CREDENTIAL: 'certificate' })).toEqual([
      expect.objectContaining({
        setting: 'O365_CERTIFICATE_PATH',
        message: expect.stringMatching(/KEY_VAULT_URL/),
      }),
    ]);
    expect(problemsOf({ ...base, O365_CREDENTIAL: 'federated' })).toEqual([
      expect.objectContaining({
        setting: 'AZURE_CLIENT_ID',
        message: expect.stringMatching(/user-assigned/),
      }),
    ]);
    expect(problemsOf({ ...base, O365_CREDENTIAL: 'password' })).toEqual([
      expect.objectContaining({
        setting: 'O365_CREDENTIAL',
        message: expect.stringMatching(/secret, certificate, federated/),
      }),
    ]);
  });

  it('gives a federated tenant the token-exchange audience of its cloud and the identity, without a secret source', () => {
    const { O365_CLIENT_SECRET: _unused, ...noSecret } = base;
    const c = loadConfig({
      ...noSecret,
      O365_CREDENTIAL: 'federated',
      O365_CLOUD: 'GCCHigh',
      AZURE_CLIENT_ID: IDENTITY,
    });
    expect(c.tenants[0].credential).toEqual({
      kind: 'federated',
      audience: 'api://AzureADTokenExchangeUSGov',
      managedIdentityClientId: IDENTITY,
    });
  });

  it('reads credential kinds per entry of O365_TENANTS and names the entry of a bad certificate name', () => {
    const tenants = [
      { tenantId: TENANT, clientId: CLIENT, credential: 'certificate' },
      { tenantId: '22222222-2222-4222-8222-222222222222', clientId: CLIENT, credential: 'federated' },
    ];
    const c = loadConfig({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
      AZURE_CLIENT_ID: IDENTITY,
      O365_TENANTS: JSON.stringify(tenants),
    });
    expect(c.tenants.map((t) => credentialOf(t).kind)).toEqual(['certificate', 'federated']);
    // One multi-tenant app: the default certificate name follows the client id, so it is stored once.
    expect(c.tenants[0].credential).toMatchObject({ keyVaultCertificateName: `o365-certificate-${CLIENT}` });
    expect(
      problemsOf({
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
        O365_TENANTS: JSON.stringify([
          {
            tenantId: TENANT,
            clientId: CLIENT,
            credential: 'certificate',
            certificateName: 'no_underscores',
          },
        ]),
      }),
    ).toEqual([expect.objectContaining({ setting: 'O365_TENANTS[0].certificateName' })]);
  });

  it('loads without tenants only when asked to (the registry commands)', () => {
    const env = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
    expect(problemsOf(env).map((p) => p.setting)).toEqual(['O365_TENANT_ID']);
    expect(loadConfig(env, { requireTenants: false }).tenants).toEqual([]);
  });

  it('turns one entry into a TenantConfig by the same rules, or the problems that stop it', () => {
    const config = loadConfig({ ...base, KEY_VAULT_URL: 'https://kv-x.vault.azure.net' });
    const tenant = tenantFromEntry(
      { tenantId: TENANT.toUpperCase(), clientId: CLIENT, cloud: 'GCC' },
      config.tenantDefaults,
    );
    expect(tenant).not.toBeInstanceOf(ConfigError);
    expect(tenant).toMatchObject({
      tenantId: TENANT,
      cloud: 'GCC',
      secret: { keyVaultSecretName: `o365-client-secret-${TENANT}` },
    });
    const bad = tenantFromEntry({ tenantId: 'nope', clientId: CLIENT }, config.tenantDefaults);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).problems[0].setting).toBe('tenantId');
  });
});
