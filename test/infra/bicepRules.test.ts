import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ALERT_LOG_NAME } from '../../shared/alerts/model';
import {
  bicepFiles,
  params,
  readRepoFile,
  REPO_ROOT,
  resources,
  scanBicep,
  varStringArray,
} from './bicepText';
import { keyUsages, roleAssignmentProblems, roleAssignmentsOf } from './infraRules';

const files = bicepFiles();
const allResources = files.flatMap((f) => resources(f.path, f.text));
const byType = (type: string) => allResources.filter((r) => r.type === type && !r.existing);
const entry = (r: { entries: { key: string; value: string }[] }, key: string) =>
  r.entries.find((e) => e.key === key)?.value;

describe('Bicep files under infra/', () => {
  it('finds the main template and its modules', () => {
    expect(files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['infra/main.bicep', 'infra/app/function.bicep', 'infra/app/rbac.bicep']),
    );
  });

  it('never use account keys or key-bearing connection strings', () => {
    expect(files.flatMap((f) => keyUsages(f.path, f.text))).toEqual([]);
  });

  it('scope every role assignment and name it with guid(...)', () => {
    const assignments = files.flatMap((f) => roleAssignmentsOf(f.path, f.text));
    expect(assignments.length).toBeGreaterThanOrEqual(4);
    expect(roleAssignmentProblems(assignments)).toEqual([]);
  });

  it('grant the app identity Key Vault Secrets User and the deploying user Secrets Officer', () => {
    const rbac = readRepoFile('infra/app/rbac.bicep');
    expect(rbac).toMatch(/keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'/);
    expect(rbac).toMatch(/keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'/);
    const officer = roleAssignmentsOf('rbac', rbac).find((r) =>
      /keyVaultSecretsOfficer/.test(entry(r, 'name') ?? ''),
    );
    expect(officer && entry(officer, 'properties')).toMatch(/principalId: operatorPrincipalId/);
  });

  it('turn shared-key access off on every storage account they create', () => {
    const accounts = byType('Microsoft.Storage/storageAccounts');
    expect(accounts.length).toBe(1);
    for (const account of accounts)
      expect(entry(account, 'properties')).toMatch(/allowSharedKeyAccess: false/);
  });

  it('create Key Vault with RBAC authorization and the client secret with an expiry', () => {
    const [vault] = byType('Microsoft.KeyVault/vaults');
    expect(entry(vault, 'properties')).toMatch(/enableRbacAuthorization: true/);
    const secrets = byType('Microsoft.KeyVault/vaults/secrets');
    const clientSecret = secrets.find((s) => entry(s, 'name') === 'clientSecretName');
    expect(entry(clientSecret!, 'properties')).toMatch(/exp: dateTimeToEpoch\(/);
  });

  it('disable local auth on Application Insights', () => {
    expect(readRepoFile('infra/main.bicep')).toMatch(/disableLocalAuth: true/);
  });

  it('run the Function App on Flex Consumption with Node 20 or 22 and the azd service tag', () => {
    const [site] = byType('Microsoft.Web/sites');
    expect(entry(site, 'kind')).toBe("'functionapp,linux'");
    expect(entry(site, 'tags')).toMatch(/'azd-service-name': 'api'/);
    expect(entry(site, 'properties')).toMatch(/name: 'node'/);
    expect(readRepoFile('infra/main.bicep')).toMatch(/tier: 'FlexConsumption'/);
    expect(readRepoFile('infra/app/function.bicep')).toMatch(/@allowed\(\[\s*'20'\s*'22'\s*\]\)/);
  });

  it('refer only to modules that exist and abbreviations that are defined', () => {
    const abbreviations = JSON.parse(readRepoFile('infra/abbreviations.json')) as Record<string, string>;
    for (const file of files) {
      const { code } = scanBicep(file.text);
      for (const m of code.matchAll(/^module\s+\w+\s+'([^']+)'/gm)) {
        if (m[1].startsWith('br/public:')) {
          expect(m[1]).toMatch(/^br\/public:avm\/res\/[\w/-]+:\d+\.\d+\.\d+$/);
        } else {
          expect(existsSync(join(REPO_ROOT, dirname(file.path), m[1]))).toBe(true);
        }
      }
      for (const m of code.matchAll(/abbrs\.(\w+)/g)) expect(Object.keys(abbreviations)).toContain(m[1]);
    }
  });
});

describe('main.parameters.json', () => {
  const main = readRepoFile('infra/main.bicep');
  const declared = params(main);
  const mapped = JSON.parse(readRepoFile('infra/main.parameters.json')) as {
    parameters: Record<string, { value: string }>;
  };

  it('maps only parameters main.bicep declares', () => {
    const names = declared.map((p) => p.name);
    expect(Object.keys(mapped.parameters).filter((n) => !names.includes(n))).toEqual([]);
  });

  it('maps every parameter without a default, except the one azd generates', () => {
    const generated = ['webhookAuthId'];
    expect(main).toMatch(/type: 'generate'[\s\S]*?param webhookAuthId string/);
    const unmapped = declared.filter(
      (p) => !p.hasDefault && !(p.name in mapped.parameters) && !generated.includes(p.name),
    );
    expect(unmapped).toEqual([]);
    expect(mapped.parameters).not.toHaveProperty('webhookAuthId');
  });

  it('takes the tenant, app, secret, expiry and alert address from azd environment variables', () => {
    expect(mapped.parameters.o365TenantId.value).toBe('${O365_TENANT_ID}');
    expect(mapped.parameters.o365ClientId.value).toBe('${O365_CLIENT_ID}');
    expect(mapped.parameters.o365ClientSecret.value).toBe('${O365_CLIENT_SECRET}');
    expect(mapped.parameters.o365ClientSecretExpiresOn.value).toBe('${O365_CLIENT_SECRET_EXPIRES_ON}');
    expect(mapped.parameters.alertEmail.value).toBe('${ALERT_EMAIL}');
  });

  it('keeps the client secret and the webhook secret as secure parameters', () => {
    // @secure() among the decorators of that parameter: no other `param` line in between.
    const secured = (name: string) =>
      new RegExp(`@secure\\(\\)(?:(?!\\nparam )[\\s\\S])*\\nparam ${name} string`);
    expect(main).toMatch(secured('o365ClientSecret'));
    expect(main).toMatch(secured('webhookAuthId'));
    expect(main).not.toMatch(secured('o365ClientId'));
    expect(main).toMatch(/@allowed\(\[\s*'Commercial'\s*'GCC'\s*'GCCHigh'\s*'DoD'\s*\]\)\s*param o365Cloud/);
  });
});

describe('alert rules', () => {
  const alerts = readRepoFile('infra/app/alerts.bicep');
  const modelSource = readFileSync(join(REPO_ROOT, 'shared', 'alerts', 'model.ts'), 'utf8');
  const knownKinds = [
    ...(/export type AlertKind =([^;]+);/.exec(modelSource)?.[1] ?? '').matchAll(/'(\w+)'/g),
  ].map((m) => m[1]);

  it('select only alert kinds the receiver raises', () => {
    expect(knownKinds.length).toBeGreaterThan(5);
    const used = [
      'secretExpiringKinds',
      'secretExpiredKinds',
      'contentLostKinds',
      'poisonKinds',
      'subscriptionKinds',
      'webhookKinds',
      'poisonDepthKinds',
    ].flatMap((name) => varStringArray(alerts, name));
    expect(used).toEqual(
      expect.arrayContaining([
        'secretExpiring',
        'secretExpired',
        'contentLost',
        'poisonMessage',
        'webhookRejected',
        'poisonQueueNotEmpty',
      ]),
    );
    expect(used.filter((kind) => !knownKinds.includes(kind))).toEqual([]);
  });

  it('look for the alert log name the code writes', () => {
    expect(alerts).toContain(`var marker = '${ALERT_LOG_NAME} '`);
  });

  it('are scheduled query rules mailing the action group, the spike rule on a threshold parameter', () => {
    expect(byType('Microsoft.Insights/scheduledQueryRules')).toHaveLength(1);
    expect(byType('Microsoft.Insights/actionGroups')).toHaveLength(1);
    expect(alerts).toMatch(/emailAddress: alertEmail/);
    expect(alerts).toMatch(/key: 'webhook-rejections'[\s\S]*?threshold: webhookRejectionThreshold/);
  });
});
