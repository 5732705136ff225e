/**
 * `npm run cli -- tenants <list|add|disable|enable|remove|consent-url>`: the tenant registry
 * (TENANTS_TABLE_NAME). Every subcommand first seeds the registry from O365_TENANT_ID/O365_TENANTS
 * when they are set, as the functions do, so the list shows every tenant served. Running functions
 * see a change within a minute, without a restart.
 */
import { isCloudName, type CloudName } from '../../shared/config/clouds';
import { describeError } from '../../shared/maintenance/describeError';
import { adminConsentUrl } from '../../shared/tenants/consentUrl';
import { newTenantRecord, type TenantRecord } from '../../shared/tenants/tenantRecord';
import {
  TenantExistsError,
  TenantNotFoundError,
  type TenantRegistry,
} from '../../shared/tenants/tenantRegistry';
import type { CliCommand, CliIo } from './command';
import { buildRuntime, failWith, readCommandLine, type ParsedOptions } from './runtime';

const USAGE =
  'usage: tenants list | add --tenant ID --client ID [--cloud NAME] [--name TEXT] ' +
  '[--credential secret|certificate|federated] [--secret-name NAME] [--certificate-name NAME] | ' +
  'disable --tenant ID | enable --tenant ID | remove --tenant ID | ' +
  'consent-url --tenant ID [--client ID] [--cloud NAME] [--redirect-uri URL]';

const VALUED = [
  'tenant',
  'client',
  'cloud',
  'name',
  'credential',
  'secret-name',
  'certificate-name',
  'redirect-uri',
];

interface Context {
  io: CliIo;
  parsed: ParsedOptions;
  registry: TenantRegistry;
  settingsTenantIds: Set<string>;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const action = sub ? ACTIONS[sub] : undefined;
  if (!action) {
    if (sub === undefined) return failWith(io, USAGE, 2);
    const what = sub.startsWith('-') ? `unknown option ${sub}` : `unknown subcommand "${sub}"`;
    return failWith(io, `${what} (${USAGE})`, 2);
  }
  const parsed = readCommandLine(rest, io, USAGE, { valued: VALUED });
  if (typeof parsed === 'number') return parsed;
  if (sub !== 'list' && !parsed.values.has('tenant'))
    return failWith(io, `--tenant is required (${USAGE})`, 2);

  const runtime = buildRuntime(io, { verbose: parsed.flags.has('verbose') });
  if ('exitCode' in runtime) return runtime.exitCode;
  const { config, registry } = runtime.services;
  try {
    await runtime.services.ensureTenants();
    return await action({
      io,
      parsed,
      registry,
      settingsTenantIds: new Set(config.tenants.map((t) => t.tenantId)),
    });
  } catch (e) {
    if (e instanceof TenantNotFoundError || e instanceof TenantExistsError) return failWith(io, e.message);
    return failWith(io, `tenant registry: ${describeError(e)}`);
  }
}

const ACTIONS: Record<string, (ctx: Context) => Promise<number>> = {
  async list({ io, registry }) {
    const { records, unreadable } = await registry.list();
    if (records.length === 0 && unreadable.length === 0) io.stdout.write('no tenants in the registry\n');
    for (const r of records) io.stdout.write(`${describe(r)}\n`);
    for (const u of unreadable) io.stdout.write(`${u.tenantId}  unreadable: ${u.reason}\n`);
    return 0;
  },

  async add({ io, parsed, registry }) {
    const credential = parsed.values.get('credential') ?? 'secret';
    const secretName = parsed.values.get('secret-name');
    const certificateName = parsed.values.get('certificate-name');
    if (secretName !== undefined && credential !== 'secret') {
      return failWith(io, `--secret-name is for --credential secret, not ${credential}`, 2);
    }
    if (certificateName !== undefined && credential !== 'certificate') {
      return failWith(io, `--certificate-name is for --credential certificate, not ${credential}`, 2);
    }
    const { records } = await registry.list();
    const made = newTenantRecord(
      {
        tenantId: parsed.values.get('tenant') ?? '',
        clientId: parsed.values.get('client') ?? '',
        cloud: parsed.values.get('cloud'),
        displayName: parsed.values.get('name'),
        credential,
        credentialName: secretName ?? certificateName,
      },
      records,
      new Date(),
    );
    if (Array.isArray(made)) return failWith(io, made.join('; '), 2);
    await registry.add(made);
    const shared = records.filter((r) => r.clientId === made.clientId).length;
    io.stdout.write(`added ${describe(made)}\n`);
    if (shared > 0)
      io.stdout.write(`app ${made.clientId} now serves ${shared + 1} tenants with one credential\n`);
    io.stdout.write(
      `admin consent (multi-tenant app): ${adminConsentUrl({ tenantId: made.tenantId, clientId: made.clientId, cloud: made.cloud })}\n` +
        'running functions pick the tenant up within a minute\n',
    );
    return 0;
  },

  disable: (ctx) => setEnabled(ctx, false),
  enable: (ctx) => setEnabled(ctx, true),

  async remove({ io, parsed, registry, settingsTenantIds }) {
    const tenantId = (parsed.values.get('tenant') ?? '').toLowerCase();
    if (settingsTenantIds.has(tenantId)) {
      // The next start would seed it again: the settings are where it must go.
      return failWith(
        io,
        `tenant ${tenantId} is listed in O365_TENANT_ID/O365_TENANTS: remove it there first, or use "tenants disable"`,
      );
    }
    if (!(await registry.remove(tenantId))) return failWith(io, `tenant ${tenantId} is not in the registry`);
    io.stdout.write(`removed ${tenantId}; its notifications are refused within a minute\n`);
    return 0;
  },

  async ['consent-url']({ io, parsed, registry }) {
    const tenantId = (parsed.values.get('tenant') ?? '').toLowerCase();
    const known = await registry.get(tenantId);
    const clientId = parsed.values.get('client') ?? known?.clientId;
    if (!clientId) return failWith(io, `tenant ${tenantId} is not in the registry: give --client`, 2);
    const cloud = parsed.values.get('cloud') ?? known?.cloud ?? 'Commercial';
    if (!isCloudName(cloud)) return failWith(io, `--cloud "${cloud}" is not a known cloud`, 2);
    const redirectUri = parsed.values.get('redirect-uri');
    if (redirectUri !== undefined && !/^https?:\/\//.test(redirectUri)) {
      return failWith(io, `--redirect-uri must be an http(s) URL, got "${redirectUri}"`, 2);
    }
    io.stdout.write(`${adminConsentUrl({ tenantId, clientId, cloud: cloud as CloudName, redirectUri })}\n`);
    return 0;
  },
};

async function setEnabled({ io, parsed, registry }: Context, enabled: boolean): Promise<number> {
  const record = await registry.setEnabled(parsed.values.get('tenant') ?? '', enabled);
  io.stdout.write(
    `${enabled ? 'enabled' : 'disabled'} ${record.tenantId}; running functions ${
      enabled ? 'serve it' : 'refuse its notifications'
    } within a minute\n`,
  );
  return 0;
}

function describe(r: TenantRecord): string {
  const credential = r.credentialName ? `${r.credential} (Key Vault "${r.credentialName}")` : r.credential;
  return [
    r.tenantId,
    r.enabled ? 'enabled' : 'disabled',
    r.cloud,
    `app ${r.clientId}`,
    credential,
    r.displayName ? `"${r.displayName}"` : undefined,
    `from ${r.source}`,
  ]
    .filter((part) => part !== undefined)
    .join('  ');
}

export const command: CliCommand = {
  usage: USAGE,
  summary: 'the tenant registry: list, add, disable, enable, remove tenants, and the admin-consent link',
  run,
};
