import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRepoFile, REPO_ROOT } from './bicepText';
import { yamlBlock } from './yamlBlock';

const azureYaml = readRepoFile('azure.yaml');

describe('azure.yaml', () => {
  it('deploys this package as the api service to Azure Functions, TypeScript', () => {
    const api = yamlBlock(azureYaml, ['services', 'api']);
    expect(api).toMatch(/^\s+host: function$/m);
    expect(api).toMatch(/^\s+language: (ts|js|typescript|javascript)$/m);
    expect(api).toMatch(/^\s+project: \.$/m);
  });

  it('provisions infra/main.bicep', () => {
    const infra = yamlBlock(azureYaml, ['infra']);
    expect(infra).toMatch(/provider: bicep/);
    expect(infra).toMatch(/path: infra/);
    expect(existsSync(join(REPO_ROOT, 'infra', 'main.bicep'))).toBe(true);
  });

  it('wires a postdeploy hook for POSIX and Windows to scripts that exist and are executable', () => {
    const hook = yamlBlock(azureYaml, ['hooks', 'postdeploy']);
    const runs = [...hook.matchAll(/run: \.\/(\S+)/g)].map((m) => m[1]);
    expect(runs.sort()).toEqual(['infra/hooks/postdeploy.ps1', 'infra/hooks/postdeploy.sh']);
    for (const script of runs) {
      expect(() => accessSync(join(REPO_ROOT, script), constants.X_OK)).not.toThrow();
    }
  });

  it('matches the service name the Function App carries in its azd-service-name tag', () => {
    expect(readRepoFile('infra/app/function.bicep')).toMatch(/'azd-service-name': 'api'/);
  });
});

describe('postdeploy hooks', () => {
  const scripts = ['infra/hooks/postdeploy.sh', 'infra/hooks/postdeploy.ps1'].map(readRepoFile);

  it('use the outputs azd exports and main.bicep declares', () => {
    const main = readRepoFile('infra/main.bicep');
    for (const output of ['AZURE_FUNCTION_APP_NAME', 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_URL']) {
      expect(main).toMatch(new RegExp(`^output ${output} string`, 'm'));
      for (const script of scripts) expect(script).toContain(output);
    }
  });

  it('check health with the function key, then start maintenance with the master key', () => {
    for (const script of scripts) {
      expect(script).toMatch(/functionKeys\.default/);
      expect(script).toMatch(/\/api\/health/);
      expect(script).toMatch(/masterKey/);
      expect(script).toMatch(/\/admin\/functions\/maintenance/);
    }
  });
});

describe('GitHub Actions workflow', () => {
  const dir = join(REPO_ROOT, '.github', 'workflows');
  const workflows = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => readRepoFile(join('.github', 'workflows', f)));

  it('builds and lints the Bicep with the real CLI', () => {
    const all = workflows.join('\n');
    expect(all).toMatch(/az bicep build --file infra\/main\.bicep/);
    expect(all).toMatch(/az bicep lint --file infra\/main\.bicep/);
  });

  it('runs npm ci && npm test', () => {
    expect(workflows.join('\n')).toMatch(/run: npm ci && npm test/);
  });

  it('keeps a bicepconfig.json beside the templates with the linter on', () => {
    const config = JSON.parse(readRepoFile('infra/bicepconfig.json')) as {
      analyzers: { core: { enabled: boolean; rules: Record<string, { level: string }> } };
    };
    expect(config.analyzers.core.enabled).toBe(true);
    expect(config.analyzers.core.rules['outputs-should-not-contain-secrets'].level).toBe('error');
  });
});
