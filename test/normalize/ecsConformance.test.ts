import fc from 'fast-check';
import { CONTENT_TYPES } from '../../shared/contentTypes';
import { generateRecords } from '../../local/simulator/generator';
import { normalizeRecord } from '../../shared/normalize';
import { ecsProblems, loadEcsSubset } from './ecsSchema';
import { fixtureFiles, loadRecords } from './records';

const ecs = loadEcsSubset();

describe('ECS conformance', () => {
  const cases = fixtureFiles().flatMap((file) =>
    loadRecords(file).map((record, i) => [file, i, record] as const),
  );

  it('has fixtures for every workload family', () => {
    expect(fixtureFiles()).toEqual(
      expect.arrayContaining([
        'entra-sts.json',
        'entra-directory.json',
        'exchange-item.json',
        'exchange-admin.json',
        'sharepoint.json',
        'dlp.json',
        'alerts-and-teams.json',
        'robustness.json',
      ]),
    );
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases)(
    '%s record %i becomes an event of ECS fields, types and allowed values',
    (_file, _i, record) => {
      // With event.original, so that field is checked too.
      const result = normalizeRecord(record, {
        preserveOriginal: true,
        tenantName: 'Contoso',
        contentType: 'Audit.General',
        contentId: 'c1',
      });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(ecsProblems(ecs, result.event)).toEqual([]);
      expect(result.event.event.category[0]).toBe('web');
      expect(result.event.data_stream).toEqual({ type: 'logs', dataset: 'o365.audit', namespace: 'default' });
      expect(JSON.parse(result.event.event.original ?? '')).toEqual(record);
    },
  );

  it.each(CONTENT_TYPES)(
    'keeps every record the simulated tenant generates for %s and stays conformant',
    (contentType) => {
      const records = generateRecords(contentType, 300, {
        seed: 7,
        tenantId: '4d5e6f70-8192-4a3b-9c4d-5e6f70819203',
      });
      for (const record of records) {
        const result = normalizeRecord(record, { contentType });
        expect(result.ok).toBe(true);
        if (result.ok) expect(ecsProblems(ecs, result.event)).toEqual([]);
      }
    },
  );

  it('sets ecs.version to the version of the ECS field table, a released one', () => {
    const result = normalizeRecord({ Id: 'x' });
    expect(result.ok && result.event.ecs.version).toBe(ecs.version);
    expect(ecs.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('stays conformant on arbitrary records with plausible keys and hostile values', () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        '1.2.3.4:80',
        '[::1]:1',
        '::ffff:10.0.0.1',
        '<null>',
        'a@b.co',
        '[{"Name":"x","Value":1}]',
        '15',
        'DLPRuleMatch',
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const keys = fc.constantFrom(
      'RecordType',
      'CreationTime',
      'Operation',
      'OrganizationId',
      'UserType',
      'Workload',
      'ResultStatus',
      'UserId',
      'ClientIP',
      'ClientIPAddress',
      'ActorIpAddress',
      'ObjectId',
      'ExtendedProperties',
      'ModifiedProperties',
      'Parameters',
      'Actor',
      'Target',
      'LogonError',
      'ErrorCode',
      'LogonType',
      'MailboxOwnerUPN',
      'Item',
      'PolicyDetails',
      'SharePointMetaData',
      'ExchangeMetaData',
      'SourceFileName',
      'SourceFileExtension',
      'SiteUrl',
      'Severity',
      'Data',
      'Category',
      'Name',
      'UserAgent',
      'ItemType',
      'Folders',
      'AffectedItems',
      'TargetUserOrGroupName',
      'Members',
    );
    const recordType = fc.constantFrom(
      1,
      2,
      3,
      4,
      6,
      8,
      9,
      11,
      13,
      14,
      15,
      25,
      40,
      50,
      63,
      98,
      12345,
      '15',
      'x',
    );
    fc.assert(
      fc.property(fc.dictionary(keys, value, { maxKeys: 12 }), recordType, (fields, rt) => {
        const result = normalizeRecord({ ...fields, RecordType: rt, Id: 'id-1' });
        expect(result.ok).toBe(true);
        if (result.ok) expect(ecsProblems(ecs, result.event)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});

describe('the conformance checker itself', () => {
  it('flags unknown fields, mistyped values and unexpected event types', () => {
    const problems = ecsProblems(ecs, {
      ecs: { version: ecs.version },
      event: { id: 'x', kind: 'event', category: ['authentication'], type: ['creation'], outcome: 'maybe' },
      source: { ip: '999.1.1.1', port: '80' },
      made_up: { field: 1 },
      o365: { anything: { goes: true } },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'source.ip: expected an IP, got "999.1.1.1"',
        'source.port: expected an integer, got "80"',
        'made_up.field: not an ECS field',
        'event.outcome not allowed: maybe',
        'event.type creation is not expected with any of the categories authentication',
      ]),
    );
    expect(problems.some((p) => p.startsWith('o365'))).toBe(false);
  });

  it('accepts an event type expected by one of several categories, and only then', () => {
    const base = { ecs: { version: ecs.version }, o365: {} };
    const event = (category: string[], type: string[]) => ({
      ...base,
      event: { id: 'x', kind: 'event', category, type, outcome: 'success' },
    });
    expect(ecsProblems(ecs, event(['web', 'authentication'], ['start']))).toEqual([]);
    expect(ecsProblems(ecs, event(['web', 'iam'], ['admin', 'change']))).toEqual([]);
    expect(ecsProblems(ecs, event(['web', 'authentication'], ['creation']))).toEqual([
      'event.type creation is not expected with any of the categories web, authentication',
    ]);
  });
});
