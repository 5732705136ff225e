import { normalizeRecord } from '../../shared/normalize';
import { eventFor } from './records';

const STS = 'entra-sts.json';
const DIR = 'entra-directory.json';

describe('Entra ID sign-ins', () => {
  it('maps a successful STS logon to authentication/start with the user, address and user agent', () => {
    const e = eventFor(STS, 'ca0efc24-1b89-4962-8fef-a3ac5437302f');
    expect(e['@timestamp']).toBe('2020-02-10T15:13:13.000Z');
    expect(e.event).toMatchObject({
      action: 'UserLoggedIn',
      provider: 'AzureActiveDirectory',
      code: 'AzureActiveDirectoryStsLogon',
      kind: 'event',
      category: ['web', 'authentication'],
      type: ['start'],
      outcome: 'success',
    });
    expect(e.user).toMatchObject({
      id: 'asr@testsiem.onmicrosoft.com',
      email: 'asr@testsiem.onmicrosoft.com',
      name: 'asr',
      domain: 'testsiem.onmicrosoft.com',
    });
    expect(e.source).toEqual({ ip: '83.57.233.151', address: '83.57.233.151' });
    expect(e.related?.ip).toEqual(['83.57.233.151']);
    expect(e.user_agent?.original).toMatch(/^Mozilla\/5\.0 \(Macintosh/);
    expect(e.o365.audit.ExtendedProperties).toMatchObject({
      RequestType: 'OAuth2:Authorize',
      KeepMeSignedIn: 'False',
    });
    expect(e.o365.user_type).toBe('Regular');
  });

  it('reports a failed logon whose ResultStatus says Succeeded as a failure, from ErrorCode', () => {
    const e = eventFor(STS, '5b0f9f2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b');
    expect(e.o365.audit.ResultStatus).toBe('Succeeded');
    expect(e.event.outcome).toBe('failure');
    expect(e.error?.code).toBe('50126');
    expect(e.event.reason).toBe('InvalidUserNameOrPassword');
    expect(e.source).toEqual({
      ip: '2001:db8:85a3::8a2e:370:7334',
      port: 52311,
      address: '2001:db8:85a3::8a2e:370:7334',
    });
    expect(e.organization?.id).toBe('4d5e6f70-8192-4a3b-9c4d-5e6f70819203');
  });

  it('treats ErrorCode 0 as success and reads a seven-digit fraction with a Z', () => {
    const e = eventFor(STS, '6c1a0b3f-2d4e-4f60-9b1c-2d3e4f5a6b7c');
    expect(e.event.outcome).toBe('success');
    expect(e.error).toBeUndefined();
    expect(e['@timestamp']).toBe('2024-03-04T08:16:02.672Z');
    expect(e.source?.ip).toBe('203.0.113.45');
  });

  it('takes a LogonError without ErrorCode as a failure even when ResultStatus is Success', () => {
    const e = eventFor(STS, '7d2b1c4a-3e5f-4a71-8c2d-3e4f5a6b7c8d');
    expect(e.event.outcome).toBe('failure');
    expect(e.event.reason).toBe('UserStrongAuthClientAuthNRequiredInterrupt');
    expect(e.source).toMatchObject({ ip: '198.51.100.23', port: 3389 });
  });

  it('keeps no address when the vendor replaced ClientIP with a placeholder word', () => {
    const e = eventFor(STS, '8133912e-b888-4849-b8fb-070710b35400');
    expect(e.source).toBeUndefined();
    expect(e.related?.ip).toBeUndefined();
    expect(e.event.outcome).toBe('failure');
    expect(e.user_agent?.original).toBe('python-requests/2.18.4');
  });

  it('maps a legacy account logon failure with its LoginStatus and LoginError text', () => {
    const e = eventFor(DIR, '80c76bd2-9d81-4c57-a97a-accfc3443dca');
    expect(e.event).toMatchObject({
      code: 'AzureActiveDirectoryAccountLogon',
      category: ['web', 'authentication'],
      outcome: 'failure',
    });
    expect(e.error?.code).toBe('-2147217390');
    expect(e.event.reason).toContain('PP_E_BAD_PASSWORD');
    const ok = eventFor(DIR, '4e655d3f-35fa-42e0-b050-264b2d255c7a');
    expect(ok.event.outcome).toBe('success');
  });
});

describe('Entra ID directory changes', () => {
  it('maps "Add User." to iam user creation with the new user as target', () => {
    const e = eventFor(DIR, 'b567caf0-088e-4c1c-a4ea-633a1e3d66c8');
    expect(e.event).toMatchObject({
      code: 'AzureActiveDirectory',
      category: ['web', 'iam'],
      type: ['user', 'creation'],
      outcome: 'success',
    });
    expect(e.user?.target).toMatchObject({ email: 'user001@contoso.onmicrosoft.com', name: 'user001' });
    expect(e.related?.user).toEqual([
      'admin@contoso.onmicrosoft.com',
      'user001@contoso.onmicrosoft.com',
      'admin',
      'user001',
    ]);
  });

  it('turns ModifiedProperties into {Name: {OldValue, NewValue}} and targets the changed user', () => {
    const e = eventFor(DIR, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
    expect(e.event.type).toEqual(['user', 'change']);
    expect(e.o365.audit.ModifiedProperties).toEqual({
      StrongAuthenticationMethod: { OldValue: '[]', NewValue: '[{"MethodType":6,"Default":true}]' },
      Included_Updated_Properties: { OldValue: '', NewValue: 'StrongAuthenticationMethod' },
    });
    expect(e.user?.target).toEqual({
      email: 'alex.wilber@contoso.com',
      name: 'alex.wilber',
      domain: 'contoso.com',
      // The directory object changed is the ObjectId, as in the reference mapping.
      id: 'alex.wilber@contoso.com',
    });
  });

  it('maps group membership to iam group change with the group from ModifiedProperties', () => {
    const e = eventFor(DIR, 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e');
    expect(e.event.type).toEqual(['group', 'change']);
    expect(e.group).toEqual({ id: '6f7a8b9c-0d1e-4f2a-3b4c-5d6e7f8a9b0c', name: 'Finance Team' });
    expect(e.o365.audit.ModifiedProperties).toHaveProperty('Group_DisplayName');
  });

  it('maps role membership to iam admin change', () => {
    expect(eventFor(DIR, 'c3d4e5f6-a7b8-4c9d-0e1f-2a3b4c5d6e7f').event.type).toEqual(['admin', 'change']);
    expect(eventFor(DIR, 'd4e5f6a7-b8c9-4d0e-1f2a-3b4c5d6e7f8a').event.type).toEqual(['user', 'deletion']);
  });

  it('maps application changes to configuration and consent to iam, with ActorIpAddress as source', () => {
    const sp = eventFor(DIR, 'e5f6a7b8-c9d0-4e1f-2a3b-4c5d6e7f8a9b');
    expect(sp.event).toMatchObject({ category: ['web', 'configuration'], type: ['creation'] });
    expect(sp.user?.target).toEqual({ id: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
    const consent = eventFor(DIR, 'f6a7b8c9-d0e1-4f2a-3b4c-5d6e7f8a9b0c');
    expect(consent.event).toMatchObject({ category: ['web', 'iam'], type: ['change'] });
    expect(consent.source?.ip).toBe('203.0.113.77');
  });

  it('takes the actor UPN from Actor when UserId is missing', () => {
    const result = normalizeRecord({
      Id: 'a',
      RecordType: 8,
      Operation: 'Update group.',
      Actor: [
        { ID: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff', Type: 0 },
        { ID: 'ops@contoso.com', Type: 5 },
      ],
    });
    expect(result.ok && result.event.user).toEqual({
      id: 'ops@contoso.com',
      email: 'ops@contoso.com',
      name: 'ops',
      domain: 'contoso.com',
    });
    expect(result.ok && result.event.event.type).toEqual(['group', 'change']);
  });
});
