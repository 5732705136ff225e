/**
 * What makes `azd up` work the first time on every azd the project accepts, read from the files
 * without the Bicep CLI: the build mode and the package azd zips, the Node version Azure runs, log
 * alert rules that do not need their table to exist yet, and a secret expiry date refused early
 * with a message that says which form is wanted.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import ignore from 'ignore';
import { STAGING_DIR_NAME } from '../../local/deploymentPackage';
import { readRepoFile, REPO_ROOT, resources, scanBicep } from './bicepText';
import { yamlBlock } from './yamlBlock';

function versionOf(text: string): number[] {
  return text.split('.').map(Number);
}
function atLeast(version: number[], floor: number[]): boolean {
  for (let i = 0; i < floor.length; i++) {
    if ((version[i] ?? 0) !== floor[i]) return (version[i] ?? 0) > floor[i];
  }
  return true;
}

const azureYaml = readRepoFile('azure.yaml');
const main = readRepoFile('infra/main.bicep');

describe('build mode: the package is built here, never remotely', () => {
  const api = yamlBlock(azureYaml, ['services', 'api']);

  it('turns remote build off and requires an azd that honours it (1.23.5 or later)', () => {
    expect(api).toMatch(/^\s+remoteBuild: false$/m);
    const floor = /^requiredVersions:\n\s+azd: '>= ?(\d+\.\d+\.\d+)'$/m.exec(azureYaml);
    expect(floor).not.toBeNull();
    expect(atLeast(versionOf(floor![1]), [1, 23, 5])).toBe(true);
  });

  it('zips the staged folder, which a prepackage hook stages on POSIX and Windows', () => {
    expect(api).toMatch(new RegExp(`^\\s+dist: ${STAGING_DIR_NAME}$`, 'm'));
    const hook = yamlBlock(api, ['hooks', 'prepackage']);
    expect([...hook.matchAll(/run: (.+)$/gm)].map((m) => m[1])).toEqual([
      'npm run package:azure',
      'npm run package:azure',
    ]);
    expect(hook).toMatch(/posix:/);
    expect(hook).toMatch(/windows:/);
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['package:azure']).toBe('tsx local/deploymentPackage.ts');
  });

  it('keeps .funcignore free of negations and never excludes node_modules', () => {
    const lines = readRepoFile('.funcignore')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.filter((l) => l.startsWith('!'))).toEqual([]);
    const rules = ignore().add(lines);
    for (const probe of ['node_modules/', 'node_modules/@azure/functions/package.json', 'host.json']) {
      expect(rules.ignores(probe)).toBe(false);
    }
    expect(rules.ignores('dist/functions/index.js')).toBe(false);
  });
});

describe('Node 22', () => {
  it('is what the Function App runs unless NODE_VERSION says 20', () => {
    expect(main).toMatch(/@allowed\(\[\s*'20'\s*'22'\s*\]\)\s*param nodeVersion string = '22'/);
    const mapped = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(mapped.parameters.nodeVersion.value).toBe('${NODE_VERSION=22}');
    const [site] = resources('function.bicep', readRepoFile('infra/app/function.bicep')).filter(
      (r) => r.type === 'Microsoft.Web/sites',
    );
    expect(site.entries.find((e) => e.key === 'properties')?.value).toMatch(
      /runtime: \{\s*name: 'node'\s*version: nodeVersion\s*\}/,
    );
  });

  it('is tested in CI beside Node 20, and package.json engines names both', () => {
    const dir = join(REPO_ROOT, '.github', 'workflows');
    const ci = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => readRepoFile(join('.github', 'workflows', f)))
      .join('\n');
    expect(ci).toMatch(/node-version: \[20, 22\]/);
    expect(ci).toMatch(/node-version: \$\{\{ matrix\.node-version \}\}/);
    const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('^20.0.0 || ^22.0.0');
  });
});

describe('log alert rules', () => {
  it('skip query validation, so a brand-new Application Insights without a traces table does not fail provisioning', () => {
    const alerts = readRepoFile('infra/app/alerts.bicep');
    const rules = resources('alerts.bicep', alerts).filter(
      (r) => r.type === 'Microsoft.Insights/scheduledQueryRules',
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.apiVersion >= '2021-08-01').toBe(true);
      expect(rule.entries.find((e) => e.key === 'properties')?.value).toMatch(
        /^\s*skipQueryValidation: true$/m,
      );
    }
  });
});

describe('client secret expiry parameter', () => {
  const { code } = scanBicep(main);

  it('says which forms it takes and is at least as long as a date', () => {
    const decorators = /((?:@[^\n]*\n)+)param o365ClientSecretExpiresOn string\n/.exec(code)?.[1] ?? '';
    expect(decorators).toMatch(/@description\('[^']*YYYY-MM-DD[^']*ISO 8601[^']*'\)/);
    expect(decorators).toMatch(/@minLength\(10\)/);
  });

  it('stops the deployment with fail(), naming the parameter, its azd variable and the expected form', () => {
    const checked =
      /^var o365ClientSecretExpiresOnChecked = (\w+) \? expiresOnText : fail\('([^']*)'\)$/m.exec(code);
    expect(checked).not.toBeNull();
    expect(checked![1]).toBe('expiresOnIsIso8601');
    const message = checked![2];
    for (const part of [
      'o365ClientSecretExpiresOn',
      'O365_CLIENT_SECRET_EXPIRES_ON',
      'YYYY-MM-DD',
      'ISO 8601',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('accepts only a date or a date-time by shape, month and day', () => {
    const shape = /^var expiresOnIsIso8601 = (.+)$/m.exec(code)?.[1] ?? '';
    expect(shape).toContain("expiresOnShape == 'dddd-dd-dd'");
    expect(shape).toContain("startsWith(expiresOnShape, 'dddd-dd-ddTdd:dd')");
    expect(shape).toMatch(/contains\(validMonths, take\(skip\(expiresOnText, 5\), 2\)\)/);
    expect(shape).toMatch(/contains\(validDays, take\(skip\(expiresOnText, 8\), 2\)\)/);
    expect(code).toMatch(/^var validMonths = map\(range\(1, 12\),/m);
    expect(code).toMatch(/^var validDays = map\(range\(1, 31\),/m);
  });

  it('hands the Key Vault module only the checked value', () => {
    expect(code).toMatch(/clientSecretExpiresOn: o365ClientSecretExpiresOnChecked\n/);
    expect(code).not.toMatch(/clientSecretExpiresOn: o365ClientSecretExpiresOn\n/);
  });
});

describe('generated webhook auth id', () => {
  it('is generated by azd with at least the 32 characters the configuration requires', () => {
    const generate = /type: 'generate'\s*config: \{\s*length: (\d+)[\s\S]*?param webhookAuthId string/.exec(
      main,
    );
    expect(generate).not.toBeNull();
    expect(Number(generate![1])).toBeGreaterThanOrEqual(32);
  });
});
