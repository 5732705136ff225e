/**
 * The entry point the Functions host loads: with the settings infra/ sets, it registers the four
 * functions with their triggers; with a broken configuration it refuses to load, naming the setting.
 */
type FunctionsModule = typeof import('@azure/functions');
type Registration = [name: string, options: Record<string, unknown>];

const DEPLOYED = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
  AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net',
  AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net',
  AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net',
  WEBHOOK_URL: 'https://func.example.net/api/webhook',
  WEBHOOK_AUTH_ID: 'generated-auth-id-0a1b2c3d4e5f6a7b8c9d0e1f',
  MAINTENANCE_SCHEDULE: '0 */30 * * * *',
};

/** Loads the entry in a fresh module registry and records what it registers with that registry's app. */
function loadEntryWith(env: Record<string, string>): Record<'http' | 'queue' | 'timer', Registration[]> {
  const calls: Record<'http' | 'queue' | 'timer', Registration[]> = { http: [], queue: [], timer: [] };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    jest.isolateModules(() => {
      // require, not import: the entry registers at load time, inside this isolated registry.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { app } = require('@azure/functions') as FunctionsModule;
      jest.spyOn(app, 'http').mockImplementation((name, o) => void calls.http.push([name, { ...o }]));
      jest
        .spyOn(app, 'storageQueue')
        .mockImplementation((name, o) => void calls.queue.push([name, { ...o }]));
      jest.spyOn(app, 'timer').mockImplementation((name, o) => void calls.timer.push([name, { ...o }]));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../../functions/index');
    });
  } finally {
    for (const key of Object.keys(env)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return calls;
}

describe('functions/index.ts', () => {
  afterEach(() => jest.restoreAllMocks());

  it('registers webhook, fetchContent, maintenance and health with their triggers', () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const calls = loadEntryWith(DEPLOYED);
    expect(calls.http.map(([name, o]) => [name, o.route, o.authLevel])).toEqual([
      ['webhook', 'webhook', 'anonymous'],
      ['health', 'health', 'function'],
    ]);
    expect(calls.queue.map(([name, o]) => [name, o.queueName, o.connection])).toEqual([
      ['fetchContent', 'o365-content', 'AzureWebJobsStorage'],
    ]);
    expect(calls.timer.map(([name, o]) => [name, o.schedule, o.runOnStartup])).toEqual([
      ['maintenance', '0 */30 * * * *', false],
    ]);
  });

  it('loads without a tenant setting, for a deployment whose tenants live only in the registry', () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const { O365_TENANT_ID: _t, O365_CLIENT_ID: _c, ...registryOnly } = DEPLOYED;
    const calls = loadEntryWith(registryOnly);
    expect([...calls.http, ...calls.queue, ...calls.timer].map(([name]) => name).sort()).toEqual([
      'fetchContent',
      'health',
      'maintenance',
      'webhook',
    ]);
  });

  it('refuses to load with an invalid configuration and names the setting', () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => loadEntryWith({ ...DEPLOYED, O365_CLOUD: 'Mars' })).toThrow(/O365_CLOUD/);
    expect(errors.mock.calls.flat().join('\n')).toMatch(/cannot start: .*O365_CLOUD/s);
  });
});
