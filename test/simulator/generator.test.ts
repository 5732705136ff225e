import { CONTENT_TYPES, type ContentType } from '../../shared/contentTypes';
import { generateRecords, type AuditRecord } from '../../local/simulator/generator';

const TENANT = '11111111-2222-4333-8444-555555555555';
const opts = (seed: number) => ({ seed, tenantId: TENANT, startTime: new Date('2025-03-01T10:00:00Z') });

function operations(records: AuditRecord[]): Set<string> {
  return new Set(records.map((r) => String(r.Operation)));
}

describe('audit record generator', () => {
  it('gives the same records for the same seed and different ones for another seed', () => {
    for (const ct of CONTENT_TYPES) {
      const a = generateRecords(ct, 50, opts(7));
      const b = generateRecords(ct, 50, opts(7));
      const c = generateRecords(ct, 50, opts(8));
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    }
  });

  it('gives every record a unique GUID-shaped Id, the common fields and a CreationTime without Z', () => {
    for (const ct of CONTENT_TYPES) {
      const records = generateRecords(ct, 5000, opts(1));
      expect(new Set(records.map((r) => r.Id)).size).toBe(5000);
      for (const r of records.slice(0, 200)) {
        expect(r.Id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(r.CreationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
        expect(r.OrganizationId).toBe(TENANT);
        expect(typeof r.RecordType).toBe('number');
        expect(typeof r.Operation).toBe('string');
        expect(typeof r.Workload).toBe('string');
        expect(typeof r.UserId).toBe('string');
        expect(typeof r.UserType).toBe('number');
        expect('ClientIP' in r).toBe(true);
      }
      const times = records.map((r) => Date.parse(`${String(r.CreationTime)}Z`));
      expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse('2025-03-01T10:00:00Z'));
      expect(Math.max(...times)).toBeLessThan(Date.parse('2025-03-01T11:00:00Z'));
    }
  });

  it('varies ClientIP across every format seen in the wild', () => {
    const ips = generateRecords('Audit.SharePoint', 3000, opts(3)).map((r) => r.ClientIP);
    expect(ips).toContain(null);
    expect(ips).toContain('');
    const text = ips.filter((ip): ip is string => typeof ip === 'string' && ip !== '');
    expect(text.some((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(text.some((ip) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(ip))).toBe(true);
    expect(text.some((ip) => /^\[[0-9a-f:]+\]:\d+$/.test(ip))).toBe(true);
    expect(text.some((ip) => /^::ffff:\d+\.\d+\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(text.some((ip) => /^[0-9a-f]+:[0-9a-f:]+$/.test(ip) && !ip.startsWith('::ffff'))).toBe(true);
  });

  const expectations: Record<ContentType, string[]> = {
    'Audit.AzureActiveDirectory': [
      'UserLoggedIn',
      'UserLoginFailed',
      'Add user.',
      'Update user.',
      'Add member to role.',
    ],
    'Audit.Exchange': ['Set-Mailbox', 'New-InboxRule', 'MailItemsAccessed', 'Send', 'Create', 'HardDelete'],
    'Audit.SharePoint': [
      'FileUploaded',
      'FileAccessed',
      'FileDownloaded',
      'FileDeleted',
      'SharingSet',
      'AnonymousLinkCreated',
    ],
    'Audit.General': ['TeamCreated', 'MemberAdded', 'ViewReport'],
    'DLP.All': ['DLPRuleMatch'],
  };

  it.each(CONTENT_TYPES)('produces the expected operations for %s', (ct) => {
    const ops = operations(generateRecords(ct, 2000, opts(5)));
    for (const op of expectations[ct]) expect(ops).toContain(op);
  });

  it('shapes Entra STS logons and directory changes like the real samples', () => {
    const records = generateRecords('Audit.AzureActiveDirectory', 1000, opts(9));
    const failed = records.filter((r) => r.Operation === 'UserLoginFailed');
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) {
      expect(r.RecordType).toBe(15);
      expect(typeof r.LogonError).toBe('string');
      expect(['string', 'number']).toContain(typeof r.ErrorCode);
    }
    // The STS surprise: some failed logons still say "Succeeded".
    expect(failed.some((r) => r.ResultStatus === 'Succeeded')).toBe(true);
    const role = records.find((r) => r.Operation === 'Add member to role.') as AuditRecord;
    expect(role.RecordType).toBe(8);
    expect(role.ModifiedProperties).toEqual(
      expect.arrayContaining([expect.objectContaining({ Name: 'Role.DisplayName' })]),
    );
    const update = records.find((r) => r.Operation === 'Update user.') as AuditRecord;
    expect((update.ModifiedProperties as unknown[]).length).toBeGreaterThan(0);
  });

  it('shapes Exchange admin cmdlets and mailbox items', () => {
    const records = generateRecords('Audit.Exchange', 1000, opts(11));
    const rule = records.find((r) => r.Operation === 'New-InboxRule') as AuditRecord;
    expect(rule.RecordType).toBe(1);
    expect(['True', 'False']).toContain(rule.ResultStatus);
    expect(rule.Parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ Name: 'MoveToFolder' })]),
    );
    const send = records.find((r) => r.Operation === 'Send') as AuditRecord;
    expect(send.RecordType).toBe(2);
    expect((send.Item as { ParentFolder: { Path: string } }).ParentFolder.Path).toMatch(/^\\/);
    const hard = records.find((r) => r.Operation === 'HardDelete') as AuditRecord;
    expect((hard.AffectedItems as { ParentFolder: object }[])[0].ParentFolder).toBeDefined();
    const accessed = records.find((r) => r.Operation === 'MailItemsAccessed') as AuditRecord;
    expect(accessed.RecordType).toBe(50);
    expect(typeof accessed.OperationCount).toBe('number');
  });

  it('shapes SharePoint and OneDrive file and sharing operations', () => {
    const records = generateRecords('Audit.SharePoint', 1000, opts(13));
    const upload = records.find((r) => r.Operation === 'FileUploaded') as AuditRecord;
    expect(upload.RecordType).toBe(6);
    expect(upload.ObjectId).toBe(
      `${String(upload.SiteUrl)}${String(upload.SourceRelativeUrl)}/${String(upload.SourceFileName)}`,
    );
    expect(typeof upload.UserAgent).toBe('string');
    expect(new Set(records.map((r) => r.Workload))).toEqual(new Set(['SharePoint', 'OneDrive']));
    const link = records.find((r) => r.Operation === 'AnonymousLinkCreated') as AuditRecord;
    expect(link.RecordType).toBe(14);
  });

  it('shapes General records for Teams, Power BI and security alerts', () => {
    const records = generateRecords('Audit.General', 2000, opts(17));
    expect(records.find((r) => r.Operation === 'TeamCreated')?.RecordType).toBe(25);
    expect(records.find((r) => r.Operation === 'ViewReport')?.Workload).toBe('PowerBI');
    expect(records.some((r) => r.RecordType === 40)).toBe(true);
  });

  it('shapes DLP rule matches for SharePoint (11) and Exchange (13) with policy details', () => {
    const records = generateRecords('DLP.All', 500, opts(19));
    const sp = records.find((r) => r.RecordType === 11) as AuditRecord;
    const ex = records.find((r) => r.RecordType === 13) as AuditRecord;
    expect(sp.SharePointMetaData).toBeDefined();
    expect(ex.ExchangeMetaData).toBeDefined();
    for (const r of [sp, ex]) {
      const rule = (r.PolicyDetails as { Rules: { Severity: string; Actions: string[] }[] }[])[0].Rules[0];
      expect(typeof rule.Severity).toBe('string');
      expect(Array.isArray(rule.Actions)).toBe(true);
    }
    // Documented as DlpRuleMatch, observed as DLPRuleMatch: both appear.
    expect(operations(records)).toEqual(new Set(['DLPRuleMatch', 'DlpRuleMatch']));
  });

  it('returns an empty array for a count of zero', () => {
    expect(generateRecords('DLP.All', 0, opts(1))).toEqual([]);
  });
});
