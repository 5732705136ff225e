import fc from 'fast-check';
import { normalizeRecord } from '../../shared/normalize';

const PLAUSIBLE_KEYS = [
  'Id',
  'RecordType',
  'CreationTime',
  'Operation',
  'OrganizationId',
  'UserType',
  'UserKey',
  'Workload',
  'ResultStatus',
  'ObjectId',
  'UserId',
  'ClientIP',
  'ClientIPAddress',
  'ActorIpAddress',
  'Actor',
  'Target',
  'ExtendedProperties',
  'ModifiedProperties',
  'Parameters',
  'LogonError',
  'ErrorCode',
  'LoginStatus',
  'LogonType',
  'MailboxOwnerUPN',
  'LogonUserSid',
  'LogonUserDisplayName',
  'ClientInfoString',
  'OriginatingServer',
  'Item',
  'AffectedItems',
  'Folder',
  'DestFolder',
  'Folders',
  'SiteUrl',
  'Site',
  'SourceFileName',
  'SourceFileExtension',
  'SourceRelativeUrl',
  'ItemType',
  'TargetUserOrGroupName',
  'TargetUserOrGroupType',
  'UserSharedWith',
  'PolicyDetails',
  'SharePointMetaData',
  'ExchangeMetaData',
  'EndpointMetaData',
  'ExceptionInfo',
  'Severity',
  'Category',
  'Name',
  'PolicyId',
  'Data',
  'AlertEntityId',
  'Comments',
  'TeamName',
  'TeamGuid',
  'Members',
  'UserAgent',
  '__proto__',
  'constructor',
  'toString',
];

function checkNeverThrows(value: unknown): void {
  let result: ReturnType<typeof normalizeRecord> | undefined;
  expect(() => {
    result = normalizeRecord(value, { preserveOriginal: true });
  }).not.toThrow();
  expect(result).toBeDefined();
  if (result?.ok) {
    expect(typeof result.event.event.id).toBe('string');
    // The record's fields are all in o365.audit (some reshaped), and its text in event.original.
    expect(Object.keys(result.event.o365.audit)).toEqual(Object.keys(value as object));
    expect(JSON.parse(result.event.event.original ?? '')).toEqual(JSON.parse(JSON.stringify(value)));
    expect(() => JSON.stringify(result)).not.toThrow();
  } else {
    expect(result?.reason).toMatch(/\S/);
  }
}

describe('normalizeRecord on arbitrary input', () => {
  it('never throws on arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), checkNeverThrows), { numRuns: 500 });
  });

  it('never throws on objects with plausible keys, any JSON values, strings of JSON and numbers as strings', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      fc.integer().map(String),
      fc.array(
        fc.record({
          Name: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'a.b', 'UserAgent')),
          Value: fc.jsonValue({ maxDepth: 1 }),
        }),
      ),
      fc.array(
        fc.record({
          ID: fc.oneof(fc.string(), fc.emailAddress()),
          Type: fc.oneof(fc.integer({ min: -1, max: 7 }), fc.string()),
        }),
      ),
    );
    const record = fc.dictionary(fc.constantFrom(...PLAUSIBLE_KEYS), value, { maxKeys: 20 });
    fc.assert(fc.property(record, checkNeverThrows), { numRuns: 500 });
  });

  it('always produces an event for an object with an Id, whatever else it holds', () => {
    const record = fc
      .tuple(
        fc.oneof(fc.uuid(), fc.integer().map(String)),
        fc.dictionary(fc.constantFrom(...PLAUSIBLE_KEYS), fc.jsonValue({ maxDepth: 2 })),
      )
      .map(([id, rest]) => ({ ...rest, Id: id }));
    fc.assert(
      fc.property(record, (r) => {
        const result = normalizeRecord(r);
        expect(result.ok).toBe(true);
        expect(result.ok && result.event.event.id).toBe(r.Id);
      }),
      { numRuns: 300 },
    );
  });
});
