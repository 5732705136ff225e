import { loadConfig, SETTINGS, type SettingName } from '../../shared/config/settings';
import { readRepoFile, varObject, varStringArray } from './bicepText';

/**
 * Settings that infra/ writes for the Functions host itself, not for shared/config. Keep this list
 * short and explicit: anything else infra/ sets must be a key of SETTINGS.
 */
const HOST_READ = ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'];

/**
 * What the app cannot run without in Azure (identity storage, Key Vault, the webhook). Not a tenant:
 * tenants may live only in the tenant registry; O365_TENANT_ID/O365_TENANTS seed it when set.
 */
const REQUIRED_IN_AZURE: SettingName[] = [
  'KEY_VAULT_URL',
  'AZURE_CLIENT_ID',
  'WEBHOOK_AUTH_ID',
  'WEBHOOK_URL',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
];

/** Never in Azure: the secret value itself, and a key-bearing storage connection string. */
const LOCAL_ONLY: SettingName[] = [
  'O365_CLIENT_SECRET',
  'O365_CERTIFICATE_PATH',
  'AzureWebJobsStorage',
  'ELASTICSEARCH_API_KEY',
  'SPLUNK_HEC_TOKEN',
  'FILE_SINK_DIR',
];

const functionBicep = readRepoFile('infra/app/function.bicep');
const deployDoc = readRepoFile('docs/deploy.md');
const appSettings = varObject(functionBicep, 'appSettings');
const infraNames = appSettings.map((e) => e.key);
const optionalNames = varStringArray(functionBicep, 'optionalSettingNames');
const settingNames = Object.keys(SETTINGS);

/** Setting names in backticks at the start of table rows, under the given heading of docs/deploy.md. */
function documentedUnder(heading: string): string[] {
  const start = deployDoc.indexOf(heading);
  if (start === -1) throw new Error(`docs/deploy.md has no "${heading}" section`);
  const rest = deployDoc.slice(start + heading.length);
  const next = rest.search(/\n#{1,6} /);
  const section = next === -1 ? rest : rest.slice(0, next);
  return [...section.matchAll(/^\|\s*`([A-Za-z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
}

describe('app settings in infra/ against the settings the code reads', () => {
  it('finds the app settings object in infra/app/function.bicep', () => {
    expect(infraNames.length).toBeGreaterThan(REQUIRED_IN_AZURE.length);
    expect(new Set(infraNames).size).toBe(infraNames.length);
  });

  it('sets every setting the app needs in Azure', () => {
    expect(REQUIRED_IN_AZURE.filter((name) => !infraNames.includes(name))).toEqual([]);
  });

  it('sets nothing the code does not read, apart from the listed host-read settings', () => {
    const unknown = [...infraNames, ...optionalNames].filter(
      (name) => !settingNames.includes(name) && !HOST_READ.includes(name),
    );
    expect(unknown).toEqual([]);
  });

  it('sets the host-read settings so telemetry flows with Entra auth', () => {
    expect(infraNames).toEqual(expect.arrayContaining(HOST_READ));
    const auth = appSettings.find((e) => e.key === 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING');
    expect(auth?.value).toMatch(/Authorization=AAD/);
  });

  it('never sets a local-only setting, not even through the optional list', () => {
    expect([...infraNames, ...optionalNames].filter((n) => LOCAL_ONLY.includes(n as SettingName))).toEqual(
      [],
    );
  });

  it('sets or documents every setting of the code: in infra/, as optional, or as local-only', () => {
    const optionalDocumented = documentedUnder('#### Optional settings (not set by infra/)');
    const localDocumented = documentedUnder('#### Local-only settings (never set in Azure)');
    const missing = settingNames.filter(
      (name) =>
        !infraNames.includes(name) && !optionalDocumented.includes(name) && !localDocumented.includes(name),
    );
    expect(missing).toEqual([]);
    expect(localDocumented.sort()).toEqual([...LOCAL_ONLY].sort());
  });

  it('documents exactly the optional settings infra/ accepts', () => {
    const optionalDocumented = documentedUnder('#### Optional settings (not set by infra/)');
    expect(optionalNames.length).toBeGreaterThan(0);
    expect([...optionalDocumented].sort()).toEqual([...optionalNames].sort());
    expect(optionalNames.filter((n) => infraNames.includes(n))).toEqual([]);
  });

  it('gives WEBHOOK_AUTH_ID as a Key Vault reference, not a value', () => {
    const authId = appSettings.find((e) => e.key === 'WEBHOOK_AUTH_ID');
    expect(authId?.value).toMatch(/^'@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'$/);
    expect(functionBicep).toMatch(/keyVaultReferenceIdentity:\s*identityId/);
  });

  it('points WEBHOOK_URL at the webhook route on the app host', () => {
    const url = appSettings.find((e) => e.key === 'WEBHOOK_URL');
    expect(url?.value).toBe("'https://${site.properties.defaultHostName}/api/webhook'");
  });

  it('uses the managed identity for storage, with no connection string', () => {
    const credential = appSettings.find((e) => e.key === 'AzureWebJobsStorage__credential');
    expect(credential?.value).toBe("'managedidentity'");
  });

  it('passes the configuration check when every infra setting holds a plausible value', () => {
    // One sample per setting infra/ writes; a new setting without a sample fails here on purpose.
    const samples: Record<string, string> = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=1;Authorization=AAD',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '99999999-9999-9999-9999-999999999999',
      AzureWebJobsStorage__blobServiceUri: 'https://stx.blob.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://stx.queue.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://stx.table.core.windows.net/',
      AZURE_CLIENT_ID: '99999999-9999-9999-9999-999999999999',
      CONTENT_QUEUE_NAME: 'o365-content',
      LEDGER_TABLE_NAME: 'o365ledger',
      STATE_TABLE_NAME: 'o365state',
      TENANTS_TABLE_NAME: 'o365tenants',
      EVENTS_CONTAINER_NAME: 'o365-events',
      DEDUPE_CONTAINER_NAME: 'o365-dedupe',
      KEY_VAULT_URL: 'https://kv-x.vault.azure.net/',
      O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      O365_CLOUD: 'Commercial',
      O365_TENANT_NAME: '',
      O365_CLIENT_SECRET_NAME: 'o365-client-secret',
      O365_CREDENTIAL: 'secret',
      O365_CERTIFICATE_NAME: 'o365-certificate',
      O365_TENANTS: '',
      PUBLISHER_ID: '',
      WEBHOOK_URL: 'https://func-x.azurewebsites.net/api/webhook',
      WEBHOOK_AUTH_ID: 'resolved-from-key-vault-9c4e2a7f1b3d5e60',
      // Sinks (issue 13): blob only by default, so the eventhub/loganalytics settings are written empty.
      SINKS: 'blob',
      EVENTHUB_NAMESPACE: '',
      EVENTHUB_NAME: '',
      LOGS_INGESTION_ENDPOINT: '',
      LOGS_DCR_IMMUTABLE_ID: '',
      LOGS_STREAM_NAME: '',
    };
    const env: Record<string, string> = {};
    for (const name of infraNames) {
      if (!(name in samples)) throw new Error(`no sample value for infra setting ${name}`);
      env[name] = samples[name];
    }
    const config = loadConfig(env);
    expect(config.storage.kind).toBe('identity');
    expect(config.tenants).toHaveLength(1);
    expect(config.tenants[0].secret.keyVaultSecretName).toBe('o365-client-secret');
    expect(config.webhook.address).toBe(samples.WEBHOOK_URL);
  });

  it('creates the queue, tables and container under the names the code defaults to', () => {
    const names = Object.fromEntries(
      varObject(readRepoFile('infra/main.bicep'), 'storageNames').map((e) => [e.key, e.value]),
    );
    const defaults = loadConfig({
      O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
      O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      O365_CLIENT_SECRET: 'x',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    }).names;
    expect(names.contentQueue).toBe(`'${defaults.contentQueue}'`);
    expect(names.poisonQueue).toBe(`'${defaults.poisonQueue}'`);
    expect(names.ledgerTable).toBe(`'${defaults.ledgerTable}'`);
    expect(names.stateTable).toBe(`'${defaults.stateTable}'`);
    expect(names.eventsContainer).toBe(`'${defaults.eventsContainer}'`);
    expect(names.tenantsTable).toBe(`'${defaults.tenantsTable}'`);
    expect(names.dedupeContainer).toBe(`'${defaults.dedupeContainer}'`);
  });
});
