import path from 'node:path';
import { ConfigError, loadConfig, SETTINGS } from '../../shared/config/settings';

const base = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  O365_CLIENT_SECRET: 'local-secret',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};
const vault = { ...base, KEY_VAULT_URL: 'https://kv-x.vault.azure.net' };

function problemsOf(env: Record<string, string>): Record<string, string> {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return Object.fromEntries((e as ConfigError).problems.map((p) => [p.setting, p.message]));
  }
  throw new Error('expected a ConfigError');
}

describe('sink settings', () => {
  it('defaults to the blob sink alone and the default namespace', () => {
    const c = loadConfig(base);
    expect(c.sinks).toEqual({ enabled: ['blob'] });
    expect(c.dataStreamNamespace).toBe('default');
  });

  it('reads SINKS as a comma list, case-insensitive, without repeats, and names an unknown sink', () => {
    const c = loadConfig({ ...base, SINKS: ' blob, FILE ,blob', FILE_SINK_DIR: 'out/ev' });
    expect(c.sinks.enabled).toEqual(['blob', 'file']);
    expect(c.sinks.file).toEqual({ dir: path.resolve('out/ev') });
    expect(problemsOf({ ...base, SINKS: 'blob,kafka' }).SINKS).toBe(
      '"kafka" is not one of blob, elasticsearch, splunk, file',
    );
    expect(problemsOf({ ...base, SINKS: ' , ' }).SINKS).toBe('names no sink');
  });

  it('builds the elasticsearch settings with the data stream of the namespace and the Key Vault secret name', () => {
    const c = loadConfig({
      ...vault,
      SINKS: 'elasticsearch',
      ELASTICSEARCH_URL: 'https://es.example.com:9243/',
      DATA_STREAM_NAMESPACE: 'contoso',
    });
    expect(c.sinks.elasticsearch).toEqual({
      url: 'https://es.example.com:9243',
      cloudId: undefined,
      apiKey: {
        keyVaultSecretName: 'elasticsearch-api-key',
        localFallbackSetting: 'ELASTICSEARCH_API_KEY',
        localFallbackValue: undefined,
      },
      index: 'logs-o365.audit-contoso',
      maxBatchBytes: 5_000_000,
      maxBatchEvents: 1000,
      requestTimeoutMs: 30_000,
    });
  });

  it('names each elasticsearch problem by its setting', () => {
    expect(problemsOf({ ...vault, SINKS: 'elasticsearch' }).ELASTICSEARCH_URL).toMatch(
      /is required when SINKS includes elasticsearch/,
    );
    expect(
      problemsOf({
        ...vault,
        SINKS: 'elasticsearch',
        ELASTICSEARCH_URL: 'https://a',
        ELASTICSEARCH_CLOUD_ID: 'x:eA==',
      }).ELASTICSEARCH_URL,
    ).toMatch(/not both/);
    expect(
      problemsOf({ ...vault, SINKS: 'elasticsearch', ELASTICSEARCH_CLOUD_ID: 'nonsense' })
        .ELASTICSEARCH_CLOUD_ID,
    ).toMatch(/is not a Cloud ID/);
    expect(
      problemsOf({ ...vault, SINKS: 'elasticsearch', ELASTICSEARCH_URL: 'http://es.example.com' })
        .ELASTICSEARCH_URL,
    ).toMatch(/must use https \(plain http only to localhost\)/);
    expect(
      problemsOf({
        ...vault,
        SINKS: 'elasticsearch',
        ELASTICSEARCH_URL: 'https://a',
        ELASTICSEARCH_INDEX: 'Logs-X',
      }).ELASTICSEARCH_INDEX,
    ).toBe('"Logs-X" must be lower case');
    expect(
      problemsOf({
        ...vault,
        SINKS: 'elasticsearch',
        ELASTICSEARCH_URL: 'https://a',
        ELASTICSEARCH_MAX_BATCH_BYTES: '999999999',
      }).ELASTICSEARCH_MAX_BATCH_BYTES,
    ).toBe('must be between 1024 and 104857600, got 999999999');
    expect(problemsOf({ ...base, DATA_STREAM_NAMESPACE: 'a-b' }).DATA_STREAM_NAMESPACE).toBe(
      '"a-b" must not contain a hyphen',
    );
  });

  it('needs the API key value only for local runs without Key Vault', () => {
    expect(
      problemsOf({ ...base, SINKS: 'elasticsearch', ELASTICSEARCH_URL: 'http://localhost:9200' })
        .ELASTICSEARCH_API_KEY,
    ).toMatch(
      /is required when SINKS includes elasticsearch and KEY_VAULT_URL is not set .*ELASTICSEARCH_API_KEY_SECRET_NAME/,
    );
    const local = loadConfig({
      ...base,
      SINKS: 'elasticsearch',
      ELASTICSEARCH_URL: 'http://localhost:9200',
      ELASTICSEARCH_API_KEY: 'k',
    });
    expect(local.sinks.elasticsearch?.apiKey.localFallbackValue).toBe('k');
    const cloud = loadConfig({
      ...vault,
      SINKS: 'elasticsearch',
      ELASTICSEARCH_CLOUD_ID: `acme:${Buffer.from('westeurope.azure.elastic-cloud.com:443$abc$def').toString('base64')}`,
    });
    expect(cloud.sinks.elasticsearch).toMatchObject({
      url: undefined,
      cloudId: expect.stringMatching(/^acme:/),
    });
  });

  it('builds the splunk settings and names each of its problems', () => {
    const c = loadConfig({
      ...vault,
      SINKS: 'blob,splunk',
      SPLUNK_HEC_URL: 'https://http-inputs-acme.splunkcloud.com:443/services/collector/event',
      SPLUNK_HEC_TOKEN_SECRET_NAME: 'hec',
      SPLUNK_INDEX: 'o365',
      SPLUNK_HEC_ACK: 'true',
    });
    expect(c.sinks.splunk).toMatchObject({
      url: 'https://http-inputs-acme.splunkcloud.com:443/services/collector/event',
      token: { keyVaultSecretName: 'hec', localFallbackSetting: 'SPLUNK_HEC_TOKEN' },
      index: 'o365',
      sourcetype: 'o365:management:activity',
      ack: true,
      maxBatchBytes: 1_000_000,
      maxBatchEvents: 1000,
    });
    const problems = problemsOf({
      ...base,
      SINKS: 'splunk',
      SPLUNK_INDEX: '_internal',
      SPLUNK_HEC_ACK: 'maybe',
    });
    expect(problems.SPLUNK_HEC_URL).toBe('is required when SINKS includes splunk');
    expect(problems.SPLUNK_HEC_TOKEN).toMatch(/is required when SINKS includes splunk/);
    expect(problems.SPLUNK_INDEX).toMatch(/is not a Splunk index name/);
    expect(problems.SPLUNK_HEC_ACK).toBe('must be true or false, got "maybe"');
  });

  it("ignores a sink's settings while SINKS does not name it", () => {
    expect(loadConfig({ ...base, SPLUNK_HEC_URL: 'not a url', ELASTICSEARCH_INDEX: 'BAD' }).sinks).toEqual({
      enabled: ['blob'],
    });
  });

  it('lists every sink setting in SETTINGS', () => {
    for (const name of [
      'SINKS',
      'DATA_STREAM_NAMESPACE',
      'ELASTICSEARCH_URL',
      'ELASTICSEARCH_API_KEY_SECRET_NAME',
      'SPLUNK_HEC_URL',
      'SPLUNK_HEC_TOKEN_SECRET_NAME',
      'FILE_SINK_DIR',
    ]) {
      expect(Object.keys(SETTINGS)).toContain(name);
    }
  });
});
