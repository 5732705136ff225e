import { readRepoFile } from './bicepText';

describe('infra/ outputs for the federated identity credential step', () => {
  const main = readRepoFile('infra/main.bicep');

  it('outputs the issuer of the identity tokens: the login endpoint of the deployment tenant, v2.0', () => {
    expect(main).toMatch(
      /output FEDERATED_CREDENTIAL_ISSUER string = '\$\{environment\(\)\.authentication\.loginEndpoint\}\$\{tenant\(\)\.tenantId\}\/v2\.0'/,
    );
  });

  it("outputs the subject: the user-assigned identity's principal id", () => {
    expect(main).toMatch(/output FEDERATED_CREDENTIAL_SUBJECT string = identity\.outputs\.principalId/);
  });

  it('outputs the audience of each cloud', () => {
    const audience =
      /output FEDERATED_CREDENTIAL_AUDIENCE string = ([^\n]+\n[^\n]+\n[^\n]+)/.exec(main)?.[1] ?? '';
    for (const value of [
      'api://AzureADTokenExchangeUSGov',
      'api://AzureADTokenExchangeChina',
      'api://AzureADTokenExchange',
    ]) {
      expect(audience).toContain(`'${value}'`);
    }
  });
});
