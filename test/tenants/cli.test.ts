/** `tenants` subcommands, run in-process through local/cli.ts main() against Azurite. */
import { uniqueName, useAzurite } from '../storage/azuriteFixture';
import { runCli } from '../maintenance/world';

const SETTINGS_TENANT = '11111111-2222-4333-8444-555555555555';
const MSSP_APP = 'cccccccc-dddd-4eee-8fff-000000000000';
const A = 'a0000000-0000-4000-8000-00000000000a';
const B = 'b0000000-0000-4000-8000-00000000000b';

/** `tenants add --tenant <tenant> --client <the MSSP app> ...extra` */
const add = (tenant: string, ...extra: string[]): string[] => [
  'tenants',
  'add',
  '--tenant',
  tenant,
  '--client',
  MSSP_APP,
  ...extra,
];

describe('tenants command', () => {
  const azurite = useAzurite();
  const registryOnly = () => ({
    AzureWebJobsStorage: azurite.instance().connectionString,
    TENANTS_TABLE_NAME: uniqueName('clitenants'),
  });
  const withSettingsTenant = () => ({
    ...registryOnly(),
    O365_TENANT_ID: SETTINGS_TENANT,
    O365_CLIENT_ID: MSSP_APP,
    O365_CLIENT_SECRET: 'local-only',
  });

  it('adds two tenants of one multi-tenant app sharing one certificate, then lists them', async () => {
    const env = registryOnly();
    const first = await runCli(
      add(A, '--name', 'Contoso', '--credential', 'certificate', '--certificate-name', 'mssp-cert'),
      env,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `added ${A}  enabled  Commercial  app ${MSSP_APP}  certificate (Key Vault "mssp-cert")  "Contoso"  from registry`,
    );
    expect(first.stdout).toContain(
      `https://login.microsoftonline.com/${A}/adminconsent?client_id=${MSSP_APP}`,
    );
    const second = await runCli(add(B, '--credential', 'certificate', '--cloud', 'GCC'), env);
    expect(second.stdout).toContain('certificate (Key Vault "mssp-cert")');
    expect(second.stdout).toContain(`app ${MSSP_APP} now serves 2 tenants with one credential`);
    const listed = await runCli(['tenants', 'list'], env);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('  ')[0]),
    ).toEqual([A, B]);
  });

  it('disables, enables and removes a registry tenant, with one-line errors for what it cannot do', async () => {
    const env = registryOnly();
    await runCli(add(A), env);
    expect((await runCli(['tenants', 'disable', '--tenant', A], env)).stdout).toMatch(
      /^disabled .* refuse its notifications within a minute/,
    );
    expect((await runCli(['tenants', 'list'], env)).stdout).toContain(`${A}  disabled`);
    expect((await runCli(['tenants', 'enable', '--tenant', A], env)).code).toBe(0);
    expect((await runCli(['tenants', 'remove', '--tenant', A], env)).stdout).toContain(`removed ${A}`);
    const again = await runCli(['tenants', 'remove', '--tenant', A], env);
    expect(again).toMatchObject({ code: 1, stderr: `error: tenant ${A} is not in the registry\n` });
    const duplicate = await runCli(add(B), env);
    expect(duplicate.code).toBe(0);
    expect((await runCli(add(B), env)).stderr).toBe(`error: tenant ${B} is already in the registry\n`);
    expect((await runCli(['tenants', 'enable', '--tenant', A], env)).stderr).toBe(
      `error: tenant ${A} is not in the registry\n`,
    );
  });

  it('shows the settings tenants (seeded) and refuses to remove one the settings would bring back', async () => {
    const env = withSettingsTenant();
    expect((await runCli(['tenants', 'list'], env)).stdout).toContain(
      `${SETTINGS_TENANT}  enabled  Commercial  app ${MSSP_APP}  secret (Key Vault "o365-client-secret")  from settings`,
    );
    const refused = await runCli(['tenants', 'remove', '--tenant', SETTINGS_TENANT], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /listed in O365_TENANT_ID\/O365_TENANTS: remove it there first, or use "tenants disable"/,
    );
    await runCli(['tenants', 'disable', '--tenant', SETTINGS_TENANT], env);
    // A later run seeds again: the tenant stays disabled.
    expect((await runCli(['tenants', 'list'], env)).stdout).toContain(`${SETTINGS_TENANT}  disabled`);
  });

  it('prints the admin-consent link on the cloud login host, from the registry or the options', async () => {
    const env = registryOnly();
    await runCli(add(A, '--cloud', 'GCCHigh'), env);
    expect((await runCli(['tenants', 'consent-url', '--tenant', A], env)).stdout).toBe(
      `https://login.microsoftonline.us/${A}/adminconsent?client_id=${MSSP_APP}\n`,
    );
    const withRedirect = await runCli(
      [
        'tenants',
        'consent-url',
        '--tenant',
        B,
        '--client',
        MSSP_APP,
        '--redirect-uri',
        'https://mssp.example/consented',
      ],
      env,
    );
    expect(withRedirect.stdout).toBe(
      `https://login.microsoftonline.com/${B}/adminconsent?client_id=${MSSP_APP}&redirect_uri=https%3A%2F%2Fmssp.example%2Fconsented\n`,
    );
    expect((await runCli(['tenants', 'consent-url', '--tenant', B], env)).stderr).toMatch(/give --client/);
  });

  it.each([
    [['tenants'], /usage: tenants/],
    [['tenants', 'purge'], /unknown subcommand "purge"/],
    [['tenants', 'disable'], /--tenant is required/],
    [add('nope'), /--tenant must be a GUID/],
    [add(A, '--credential', 'password'), /--credential must be one of secret, certificate, federated/],
    [add(A, '--credential', 'federated', '--secret-name', 'x'), /--secret-name is for --credential secret/],
    [add(A, '--cloud', 'Mars'), /--cloud must be one of/],
  ])('refuses %j with exit 2 and one line', async (argv, reason) => {
    const result = await runCli(argv, registryOnly());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(reason);
  });
});
