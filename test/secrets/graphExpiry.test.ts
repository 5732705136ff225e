import { GraphRequestError } from '../../shared/secrets/errors';
import { readAppPasswordExpiries, selectCredentialInUse } from '../../shared/secrets/graphExpiry';
import { startHttpStub, type HttpStub } from './support/httpStub';
import { StaticTokenCredential } from './support/staticCredential';
import { CLIENT_ID, tenantConfig } from './support/tenant';

describe('readAppPasswordExpiries', () => {
  let graph: HttpStub;
  beforeAll(async () => {
    graph = await startHttpStub();
  });
  afterAll(() => graph.stop());
  beforeEach(() => graph.requests.splice(0));

  const tenant = () => tenantConfig({ endpoints: { ...tenantConfig().endpoints, graphBaseUrl: graph.url } });

  it('lists the app’s secrets with their end dates, asking Graph by appId with a Graph-scoped token', async () => {
    graph.respond(200, {
      '@odata.context':
        'https://graph.microsoft.com/v1.0/$metadata#applications(passwordCredentials)/$entity',
      passwordCredentials: [
        {
          customKeyIdentifier: null,
          displayName: 'o365 receiver',
          endDateTime: '2031-01-02T03:04:05Z',
          hint: 'abc',
          keyId: '0b1f2c3d-0000-0000-0000-000000000001',
          secretText: null,
          startDateTime: '2029-01-02T03:04:05Z',
        },
      ],
    });
    const credential = new StaticTokenCredential();
    const result = await readAppPasswordExpiries(tenant(), credential);
    expect(result).toEqual({
      status: 'ok',
      credentials: [
        {
          keyId: '0b1f2c3d-0000-0000-0000-000000000001',
          displayName: 'o365 receiver',
          endDateTime: new Date('2031-01-02T03:04:05Z'),
          hint: 'abc',
        },
      ],
    });
    expect(credential.scopesAsked).toEqual([`${graph.url}/.default`]);
    expect(decodeURIComponent(graph.requests[0].url)).toBe(
      `/v1.0/applications(appId='${CLIENT_ID}')?$select=passwordCredentials`,
    );
    expect(graph.requests[0].headers.authorization).toBe('Bearer managed-identity-token');
  });

  it('answers notGranted when Application.Read.All is missing (403 Authorization_RequestDenied)', async () => {
    graph.respond(403, {
      error: {
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      },
    });
    const result = await readAppPasswordExpiries(tenant(), new StaticTokenCredential());
    expect(result).toEqual({
      status: 'notGranted',
      detail: 'Authorization_RequestDenied: Insufficient privileges to complete the operation.',
    });
  });

  it('throws a typed error keeping Graph’s code for other refusals', async () => {
    graph.respond(404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist.' } });
    const error = await readAppPasswordExpiries(tenant(), new StaticTokenCredential()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
  });

  it('throws a typed error when the answer has no passwordCredentials list', async () => {
    graph.respond(200, 'not json');
    await expect(readAppPasswordExpiries(tenant(), new StaticTokenCredential())).rejects.toBeInstanceOf(
      GraphRequestError,
    );
  });

  it('skips entries without a readable end date instead of failing', async () => {
    graph.respond(200, {
      passwordCredentials: [
        { keyId: 'k1', endDateTime: 'garbage' },
        { keyId: 'k2', endDateTime: '2031-01-01T00:00:00Z' },
      ],
    });
    const result = await readAppPasswordExpiries(tenant(), new StaticTokenCredential());
    expect(result.status === 'ok' && result.credentials.map((c) => c.keyId)).toEqual(['k2']);
  });

  it('throws a typed unreachable error when Graph cannot be reached', async () => {
    const unreachable = tenantConfig({
      endpoints: { ...tenantConfig().endpoints, graphBaseUrl: 'http://127.0.0.1:1' },
    });
    await expect(readAppPasswordExpiries(unreachable, new StaticTokenCredential())).rejects.toMatchObject({
      name: 'GraphRequestError',
      statusCode: undefined,
    });
  });
});

describe('selectCredentialInUse', () => {
  const old = { keyId: 'old', endDateTime: new Date('2030-01-01T00:00:00Z'), hint: 'Old' };
  const current = { keyId: 'cur', endDateTime: new Date('2029-06-01T00:00:00Z'), hint: 'Cur' };
  const newest = { keyId: 'new', endDateTime: new Date('2032-01-01T00:00:00Z'), hint: 'Nwe' };

  it('picks the entry whose hint starts the secret in use, even when another ends later', () => {
    expect(selectCredentialInUse([old, current, newest], 'Cur~long-secret-value')?.keyId).toBe('cur');
  });

  it('falls back to the latest-ending entry when no hint matches', () => {
    expect(selectCredentialInUse([old, current, newest], 'zzz')?.keyId).toBe('new');
    expect(selectCredentialInUse([old, current], undefined)?.keyId).toBe('old');
  });

  it('returns undefined for an app without secrets', () => {
    expect(selectCredentialInUse([], 'x')).toBeUndefined();
  });
});
