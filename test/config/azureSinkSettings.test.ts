import { ConfigError, loadConfig, SETTINGS } from '../../shared/config/settings';

const base = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  O365_CLIENT_SECRET: 'local-secret',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};
const eventHub = { EVENTHUB_NAMESPACE: 'evhns-x.servicebus.windows.net', EVENTHUB_NAME: 'o365-audit' };
const logs = {
  LOGS_INGESTION_ENDPOINT: 'https://dce-x-abcd.westeurope-1.ingest.monitor.azure.com/',
  LOGS_DCR_IMMUTABLE_ID: 'dcr-0123456789abcdef0123456789abcdef',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.setting}: ${p.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('settings of the eventhub and loganalytics sinks', () => {
  it('lists every setting by name', () => {
    for (const name of [
      'SINKS',
      'EVENTHUB_NAMESPACE',
      'EVENTHUB_NAME',
      'EVENTHUB_MAX_BATCH_BYTES',
      'LOGS_INGESTION_ENDPOINT',
      'LOGS_DCR_IMMUTABLE_ID',
      'LOGS_STREAM_NAME',
    ]) {
      expect(SETTINGS).toHaveProperty(name);
    }
  });

  it('reads neither sink by default (SINKS=blob), whatever else is set', () => {
    const c = loadConfig({ ...base, EVENTHUB_NAMESPACE: 'not a host' });
    expect(c.azureSinks).toEqual({ eventhub: undefined, loganalytics: undefined });
  });

  it('builds both sinks when SINKS names them, with the default stream and the link-sized batches', () => {
    const c = loadConfig({ ...base, ...eventHub, ...logs, SINKS: 'blob, EventHub,loganalytics' });
    expect(c.azureSinks.eventhub).toEqual({
      fullyQualifiedNamespace: 'evhns-x.servicebus.windows.net',
      eventHubName: 'o365-audit',
      maxBatchBytes: undefined,
    });
    expect(c.azureSinks.loganalytics).toEqual({
      endpoint: 'https://dce-x-abcd.westeurope-1.ingest.monitor.azure.com',
      dcrImmutableId: 'dcr-0123456789abcdef0123456789abcdef',
      streamName: 'Custom-O365Audit_CL',
    });
  });

  it('takes EVENTHUB_MAX_BATCH_BYTES (256 KB for a Basic hub) and LOGS_STREAM_NAME', () => {
    const c = loadConfig({
      ...base,
      ...eventHub,
      ...logs,
      SINKS: 'eventhub,loganalytics',
      EVENTHUB_MAX_BATCH_BYTES: '262144',
      LOGS_STREAM_NAME: 'Custom-MyAudit_CL',
    });
    expect(c.azureSinks.eventhub?.maxBatchBytes).toBe(262144);
    expect(c.azureSinks.loganalytics?.streamName).toBe('Custom-MyAudit_CL');
  });

  it('names every missing setting of a chosen sink', () => {
    expect(problemsOf({ ...base, SINKS: 'eventhub,loganalytics' })).toEqual([
      'EVENTHUB_NAMESPACE: is required when SINKS includes eventhub',
      'EVENTHUB_NAME: is required when SINKS includes eventhub',
      'LOGS_INGESTION_ENDPOINT: is required when SINKS includes loganalytics',
      'LOGS_DCR_IMMUTABLE_ID: is required when SINKS includes loganalytics',
    ]);
  });

  it.each([
    ['EVENTHUB_NAMESPACE', 'sb://evhns-x.servicebus.windows.net/', /host name only/],
    [
      'EVENTHUB_NAMESPACE',
      'Endpoint=sb://x;SharedAccessKeyName=a;SharedAccessKey=b',
      /not a connection string/,
    ],
    ['EVENTHUB_NAMESPACE', 'evhns-x', /fully qualified host name/],
    ['EVENTHUB_NAME', '-audit', /start and end with a letter or digit/],
    ['EVENTHUB_NAME', 'a'.repeat(257), /at most 256 characters/],
    ['EVENTHUB_MAX_BATCH_BYTES', '100', /between 1024 and 20971520/],
    ['EVENTHUB_MAX_BATCH_BYTES', '1MB', /whole number/],
  ])('refuses %s=%s', (setting, value, message) => {
    const problems = problemsOf({ ...base, ...eventHub, SINKS: 'eventhub', [setting]: value });
    expect(problems.join('\n')).not.toContain('SharedAccessKey=b');
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${setting}: .*${message.source}`))]);
  });

  it.each([
    ['LOGS_INGESTION_ENDPOINT', 'http://dce-x.westeurope-1.ingest.monitor.azure.com', /must use https/],
    ['LOGS_INGESTION_ENDPOINT', 'dce-x.westeurope-1.ingest.monitor.azure.com', /absolute URL/],
    ['LOGS_DCR_IMMUTABLE_ID', 'my-dcr', /immutableId, "dcr-" and 32 hex digits/],
    [
      'LOGS_DCR_IMMUTABLE_ID',
      '/subscriptions/x/resourceGroups/y/providers/Microsoft.Insights/dataCollectionRules/z',
      /not its name or resource id/,
    ],
    ['LOGS_STREAM_NAME', 'O365Audit_CL', /"Custom-"/],
    ['LOGS_STREAM_NAME', 'Custom-O365 Audit', /letters, digits and underscores/],
  ])('refuses %s=%s', (setting, value, message) => {
    const problems = problemsOf({ ...base, ...logs, SINKS: 'loganalytics', [setting]: value });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${setting}: .*${message.source}`))]);
  });

  it('refuses a SINKS name it does not know, and an empty list', () => {
    expect(problemsOf({ ...base, SINKS: 'blob,kafka' })).toEqual([
      expect.stringMatching(
        /^SINKS: "kafka" is not one of blob, elasticsearch, splunk, file, eventhub, loganalytics$/,
      ),
    ]);
    expect(problemsOf({ ...base, SINKS: ' , ' })).toEqual(['SINKS: names no sink']);
  });
});
