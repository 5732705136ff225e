import { createServices } from '../../functions/services';
import { ConfigError, loadConfig } from '../../shared/config/settings';
import { memoryLogger } from '../../shared/log';

const base = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  O365_CLIENT_SECRET: 'local-secret',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
};

function problemOf(value: string): string {
  try {
    loadConfig({ ...base, DATA_STREAM_NAMESPACE: value });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const [problem] = (e as ConfigError).problems;
    expect(problem.setting).toBe('DATA_STREAM_NAMESPACE');
    return problem.message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('DATA_STREAM_NAMESPACE', () => {
  it('defaults to "default" and takes a valid namespace as given', () => {
    expect(loadConfig(base).dataStreamNamespace).toBe('default');
    expect(loadConfig({ ...base, DATA_STREAM_NAMESPACE: 'contoso_prod' }).dataStreamNamespace).toBe(
      'contoso_prod',
    );
  });

  it.each(['Contoso', 'contoso-prod', 'a b', 'a/b', 'a*', 'a,b', 'a#b', 'a:b', '..', 'x'.repeat(101)])(
    'refuses %p, naming the rule',
    (value) => {
      expect(problemOf(value)).toMatch(/must|may not|cannot|lower/);
    },
  );

  it('reaches the normalizer through the services, with DLP names only for DLP.All', async () => {
    const config = loadConfig({ ...base, DATA_STREAM_NAMESPACE: 'contoso_prod' });
    const services = createServices(config, {
      logger: memoryLogger(),
      azureCredential: { getToken: async () => null },
    });
    const context = await services.normalizeContext(config.tenants[0], 'Audit.Exchange');
    expect(context).toEqual({
      dataStreamNamespace: 'contoso_prod',
      preserveOriginal: false,
      sensitiveTypeName: undefined,
    });
  });
});
