import { normalizeRecord } from '../../shared/normalize';
import { cmdletCategorization, parseAttachments } from '../../shared/normalize/workloads/exchange';
import { eventFor } from './records';

const ITEM = 'exchange-item.json';
const ADMIN = 'exchange-admin.json';

describe('Exchange mailbox records', () => {
  it('maps an item created by a system account (SID): mailbox owner as the user, subject, folder, attachments', () => {
    const e = eventFor(ITEM, '3be78a31-dbd3-4c2c-eaf9-08d7b3cc8226');
    expect(e.event).toMatchObject({
      code: 'ExchangeItem',
      category: ['web', 'email'],
      type: ['info'],
      outcome: 'success',
    });
    // The SID stays user.id (and o365.audit.UserId); the person is the mailbox owner.
    expect(e.user).toMatchObject({
      id: 'S-1-5-18',
      email: 'SIEMTest@testsiem.onmicrosoft.com',
      name: 'SIEMTest',
      domain: 'testsiem.onmicrosoft.com',
    });
    expect(e.user?.target).toBeUndefined();
    expect(e.o365.audit.UserId).toBe('S-1-5-18');
    expect(e.source?.ip).toBe('::1');
    expect(e.email?.subject).toBe('The new SIEMTest group is ready');
    expect(e.email?.message_id).toMatch(/^<AM6PR01MB4535D305/);
    expect(e.email?.attachments).toHaveLength(8);
    expect(e.email?.attachments?.[0]).toEqual({
      file: { name: 'warming_email_03_2017_calendar.png', extension: 'png', size: 599 },
    });
    expect(e.o365.mailbox?.folder).toBe('\\Inbox');
    expect(e.o365.logon_type).toBe('Admin');
    expect(e.o365.user_type).toBe('Admin');
    expect(e.server?.address).toBe('AM6PR01MB4535');
    expect(e.organization?.name).toBe('testsiem.onmicrosoft.com');
  });

  it('reads the OWA browser user agent from ClientInfoString and the port from ClientIP', () => {
    const e = eventFor(ITEM, '11111111-2222-4333-8444-555555555555');
    expect(e.user_agent?.original).toMatch(/^Mozilla\/5\.0 \(Macintosh; Intel Mac OS X 14_4\)/);
    expect(e.source).toMatchObject({ ip: '203.0.113.10', port: 49152 });
    expect(e.user?.target).toBeUndefined();
    expect(e.email?.attachments).toEqual([
      { file: { name: 'forecast.xlsx', extension: 'xlsx', size: 48213 } },
    ]);
  });

  it('marks the mailbox owner as target of a delegate SendAs, with LogonType given as a string', () => {
    const e = eventFor(ITEM, '22222222-3333-4444-8555-666666666666');
    expect(e.o365.logon_type).toBe('Delegated');
    expect(e.user).toMatchObject({ email: 'alex.wilber@contoso.com', full_name: 'Alex Wilber' });
    expect(e.user?.target?.email).toBe('ceo@contoso.com');
    expect(e.related?.user).toEqual(['alex.wilber@contoso.com', 'ceo@contoso.com', 'alex.wilber', 'ceo']);
  });

  it('maps MailboxLogin to authentication and skips a "<null>" ClientIP for ClientIPAddress', () => {
    const e = eventFor(ITEM, '33333333-4444-4555-8666-777777777777');
    expect(e.event).toMatchObject({ category: ['web', 'authentication'], type: ['start'] });
    expect(e.source?.ip).toBe('192.0.2.200');
  });

  it('reads the single affected item of a group record and the folders of MailItemsAccessed', () => {
    const hard = eventFor(ITEM, '44444444-5555-4666-8777-888888888888');
    expect(hard.event.code).toBe('ExchangeItemGroup');
    expect(hard.email?.subject).toBe('Password reset');
    expect(hard.o365.mailbox?.folder).toBe('\\Deleted Items');
    const accessed = eventFor(ITEM, '55555555-6666-4777-8888-999999999999');
    expect(accessed.event.code).toBe('ExchangeItemAggregated');
    expect(accessed.o365.mailbox?.folders).toEqual(['\\Inbox', '\\Archive']);
  });

  it('reads an Item that arrives as a string of JSON', () => {
    const r = normalizeRecord({
      Id: 'x',
      RecordType: 2,
      Workload: 'Exchange',
      Operation: 'Update',
      Item: '{"Subject":"hi"}',
    });
    expect(r.ok && r.event.email?.subject).toBe('hi');
  });

  it('parses attachments with and without sizes and ignores empty parts', () => {
    expect(parseAttachments('a.PDF (10b); ; notes')).toEqual([
      { file: { name: 'a.PDF', extension: 'pdf', size: 10 } },
      { file: { name: 'notes' } },
    ]);
    expect(parseAttachments('')).toBeUndefined();
    expect(parseAttachments(42)).toEqual([{ file: { name: '42' } }]);
  });
});

describe('Exchange admin cmdlets', () => {
  it('maps New-InboxRule to configuration creation with Parameters as an object and True as success', () => {
    const e = eventFor(ADMIN, '66666666-7777-4888-8999-aaaaaaaaaaaa');
    expect(e.event).toMatchObject({
      code: 'ExchangeAdmin',
      category: ['web', 'configuration'],
      type: ['creation'],
      outcome: 'success',
    });
    expect(e.o365.audit.Parameters).toEqual({
      Mailbox: 'megan.bowen',
      Name: '..',
      ForwardTo: 'drop@attacker.example',
      MarkAsRead: 'True',
    });
    expect(e.source).toMatchObject({ ip: '198.51.100.7', port: 50123 });
  });

  it('maps a mailbox permission grant to iam with the Identity parameter as target', () => {
    const e = eventFor(ADMIN, '77777777-8888-4999-8aaa-bbbbbbbbbbbb');
    expect(e.event).toMatchObject({ category: ['web', 'iam'], type: ['admin', 'creation'] });
    expect(e.user?.target?.email).toBe('ceo@contoso.com');
  });

  it('reads ResultStatus False as failure and Parameters given as a string of JSON', () => {
    const e = eventFor(ADMIN, '88888888-9999-4aaa-8bbb-cccccccccccc');
    expect(e.event.outcome).toBe('failure');
    expect(e.o365.audit.Parameters).toEqual({ Identity: 'room-12', Type: 'Room' });
    expect(e.source).toBeUndefined();
  });

  it('classifies cmdlet verbs', () => {
    expect(cmdletCategorization('Remove-TransportRule').type).toEqual(['deletion']);
    expect(cmdletCategorization('Set-Mailbox').type).toEqual(['change']);
    expect(cmdletCategorization('Get-Mailbox').type).toEqual(['access']);
    expect(cmdletCategorization('Add-RoleGroupMember')).toEqual({
      kind: 'event',
      category: ['web', 'iam'],
      type: ['admin', 'creation'],
    });
    expect(cmdletCategorization('Constructor-Thing').type).toEqual(['change']);
  });
});
