import { normalizeRecord } from '../../shared/normalize';
import { summarizePolicies } from '../../shared/normalize/workloads/dlp';
import { eventFor } from './records';

const DLP = 'dlp.json';

describe('DLP records', () => {
  it('maps a SharePoint rule match to an alert with rule, highest severity and file details', () => {
    const e = eventFor(DLP, '93585ace-96eb-4af1-fdb2-08d7bab8f2bd');
    expect(e.event).toMatchObject({
      kind: 'alert',
      code: 'ComplianceDLPSharePoint',
      category: ['web', 'file'],
      severity: 4,
      outcome: 'success',
    });
    expect(e.rule).toEqual({
      id: '121c85c3-b2b2-4d5b-af11-b1d1bc0b36fd',
      name: 'Low volume of content detected France Financial',
      ruleset: 'Financial Data Detection',
    });
    expect(e.file).toMatchObject({
      name: 'Document.docx',
      extension: 'docx',
      owner: 'alice@testsiem2.onmicrosoft.com',
      size: 35920,
    });
    expect(e.url?.original).toMatch(/Shared%20Documents\/Document\.docx$/);
    expect(e.o365.dlp).toMatchObject({
      severity: 'High',
      blocked: false,
      actions: ['NotifyUser', 'GenerateAlert'],
    });
    expect(e.related?.user).toContain('alice@testsiem2.onmicrosoft.com');
    // UserId is the DLP agent; the person is the one in SharePointMetaData.From.
    expect(e.user).toEqual({
      id: 'DLPAgent',
      email: 'alice@testsiem2.onmicrosoft.com',
      name: 'alice',
      domain: 'testsiem2.onmicrosoft.com',
    });
  });

  it('names sensitive information types from the tenant list, keeping their GUIDs', () => {
    const names: Record<string, string> = { '50842eb7-edc8-4019-85dd-5a5c1f2bb085': 'CreditCardNumber' };
    const e = eventFor(DLP, '93585ace-96eb-4af1-fdb2-08d7bab8f2bd', {
      sensitiveTypeName: (id: string) => names[id],
    });
    expect(e.o365.dlp?.sensitive_types).toEqual(['CreditCardNumber', '0e9b3178-9678-47dd-a509-37222ca96b42']);
    expect(e.o365.dlp?.sensitive_type_ids).toEqual([
      '50842eb7-edc8-4019-85dd-5a5c1f2bb085',
      '0e9b3178-9678-47dd-a509-37222ca96b42',
    ]);
    const failing = eventFor(DLP, '93585ace-96eb-4af1-fdb2-08d7bab8f2bd', {
      sensitiveTypeName: () => {
        throw new Error('lookup broke');
      },
    });
    expect(failing.o365.dlp?.sensitive_types).toHaveLength(2);
  });

  it('keeps a blocked Exchange message a successful detection, blocked, with every rule and the worst severity', () => {
    const e = eventFor(DLP, 'dddddddd-eeee-4fff-8000-111111111111');
    expect(e.event).toMatchObject({
      kind: 'alert',
      category: ['web', 'email'],
      type: ['info'],
      outcome: 'success',
      severity: 4,
    });
    expect(e.o365.dlp?.blocked).toBe(true);
    expect(e.user).toMatchObject({ email: 'megan.bowen@contoso.com', name: 'megan.bowen' });
    expect(e.rule?.id).toEqual([
      '9c0d1e2f-3a4b-4c5d-6e7f-8a9b0c1d2e3f',
      '0d1e2f3a-4b5c-4d6e-7f8a-9b0c1d2e3f4a',
    ]);
    expect(e.rule?.name).toEqual(['High volume of card numbers', 'Low volume of card numbers']);
    expect(e.email).toMatchObject({
      subject: 'Customer card numbers',
      from: { address: ['megan.bowen@contoso.com'] },
      to: { address: ['partner@fabrikam.example'] },
      cc: { address: ['cfo@contoso.com'] },
    });
    expect(e.email?.bcc).toBeUndefined();
    expect(e.o365.dlp?.sensitive_types).toEqual(['Credit Card Number']);
  });

  it('counts an overridden block as not blocked and reads PolicyDetails given as a string of JSON', () => {
    const e = eventFor(DLP, 'eeeeeeee-ffff-4000-8111-222222222222');
    expect(e.event.outcome).toBe('success');
    expect(e.o365.dlp?.blocked).toBe(false);
    expect(e.event.severity).toBe(3);
    expect(e.rule?.name).toBe('External sharing of financial data');
  });

  it('treats an undo as a plain successful event and BlockAccessExternal as a block', () => {
    const undo = eventFor(DLP, 'ffffffff-0000-4111-8222-333333333333');
    expect(undo.event).toMatchObject({ kind: 'event', outcome: 'success' });
    expect(undo.o365.dlp?.blocked).toBe(false);
    const blocked = eventFor(DLP, 'f0f0f0f0-0000-4111-8222-333333333333');
    expect(blocked.event).toMatchObject({ kind: 'alert', outcome: 'success' });
    expect(blocked.o365.dlp?.blocked).toBe(true);
  });

  it('ignores malformed policy entries', () => {
    const s = summarizePolicies([
      null,
      'x',
      { Rules: [null, { RuleId: 'r1', Actions: 'BlockAccess', Severity: 'Nope' }] },
    ]);
    expect(s).toMatchObject({ ruleIds: ['r1'], blocked: true });
    expect(s.severity).toBeUndefined();
    expect(summarizePolicies('{broken').ruleIds).toEqual([]);
  });

  it('recognizes DLP by operation and PolicyDetails when the RecordType is unknown', () => {
    const r = normalizeRecord({ Id: 'x', RecordType: 4242, Operation: 'DlpRuleMatch', PolicyDetails: [] });
    expect(r.ok && r.event.event.kind).toBe('alert');
  });
});
