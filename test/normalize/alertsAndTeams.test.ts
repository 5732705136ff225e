import { alertCategorization } from '../../shared/normalize/workloads/alerts';
import { eventFor } from './records';

const FILE = 'alerts-and-teams.json';

describe('security alerts', () => {
  it('maps a Security & Compliance alert to an alert event with rule, severity and parsed Data', () => {
    const e = eventFor(FILE, '12121212-3434-4565-8787-909090909090');
    expect(e.event).toMatchObject({
      kind: 'alert',
      code: 'SecurityComplianceAlerts',
      category: ['web', 'malware'],
      severity: 2,
    });
    expect(e.rule).toEqual({
      name: 'Email reported by user as malware or phish',
      id: 'b8c9d0e1-f2a3-4b4c-5d6e-7f8a9b0c1d2e',
      category: 'ThreatManagement',
    });
    expect(e.o365.alert).toMatchObject({
      id: 'a7b8c9d0-e1f2-4a3b-4c5d-6e7f8a9b0c1d',
      status: 'Active',
      entity_type: 'User',
    });
    expect(e.o365.audit.Data).toEqual({
      etype: 'User',
      eid: 'megan.bowen@contoso.com',
      op: 'UserSubmission',
      tdc: '1',
      cid: '1',
    });
    expect(e.related?.user).toContain('megan.bowen@contoso.com');
    // UserId names the alerting service; the person is the User entity in Data.
    expect(e.user).toMatchObject({
      email: 'megan.bowen@contoso.com',
      name: 'megan.bowen',
      domain: 'contoso.com',
    });
    expect(e.message).toBe('New alert');
  });

  it('keeps an alert whose Data is not JSON as its text, under _raw', () => {
    const e = eventFor(FILE, '13131313-3434-4565-8787-909090909090', { preserveOriginal: true });
    expect(e.event).toMatchObject({ kind: 'alert', category: ['web', 'file'], severity: 4 });
    expect(e.o365.audit.Data).toEqual({ _raw: 'not json {' });
    expect(JSON.parse(e.event.original ?? '').Data).toBe('not json {');
  });

  it('categorizes alert categories', () => {
    expect(alertCategorization('AccessGovernance').category).toEqual(['web', 'iam']);
    expect(alertCategorization(undefined)).toEqual({
      kind: 'alert',
      category: ['web', 'intrusion_detection'],
      type: ['info'],
    });
  });
});

describe('Microsoft Teams', () => {
  it('maps TeamCreated to iam group creation naming the team', () => {
    const e = eventFor(FILE, '14141414-3434-4565-8787-909090909090');
    expect(e.event).toMatchObject({
      code: 'MicrosoftTeams',
      category: ['web', 'iam'],
      type: ['group', 'creation'],
    });
    expect(e.group).toEqual({ id: '19:abcdef0123456789@thread.tacv2', name: 'Project Falcon' });
  });

  it('maps MemberAdded to a group change targeting the member', () => {
    const e = eventFor(FILE, '15151515-3434-4565-8787-909090909090');
    expect(e.event.type).toEqual(['group', 'change']);
    expect(e.user?.target?.email).toBe('alex.wilber@contoso.com');
  });
});
