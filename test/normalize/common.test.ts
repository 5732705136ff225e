import { normalizeRecord, RECORD_TYPE_NAMES, recordTypeName } from '../../shared/normalize';
import { outcomeFromResultStatus } from '../../shared/normalize/outcome';
import { parseUtcTimestamp } from '../../shared/normalize/time';
import { eventFor } from './records';

function event(record: Record<string, unknown>, context = {}) {
  const r = normalizeRecord({ Id: 'id-1', ...record }, context);
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

describe('common fields', () => {
  it('reads CreationTime as UTC even without a Z', () => {
    expect(event({ CreationTime: '2020-02-10T15:13:13' })['@timestamp']).toBe('2020-02-10T15:13:13.000Z');
    expect(parseUtcTimestamp('2024-07-01T00:01:00+02:00')).toBe('2024-06-30T22:01:00.000Z');
    expect(parseUtcTimestamp('2024-07-01T00:01:00+0200')).toBe('2024-06-30T22:01:00.000Z');
    expect(parseUtcTimestamp('2024-07-01 10:00:00')).toBe('2024-07-01T10:00:00.000Z');
    expect(parseUtcTimestamp('not a date')).toBeUndefined();
    expect(parseUtcTimestamp('2024-13-45T99:00:00')).toBeUndefined();
    expect(parseUtcTimestamp(1719792000)).toBeUndefined();
  });

  it('leaves @timestamp out rather than inventing one', () => {
    expect(event({ CreationTime: 'yesterday' })['@timestamp']).toBeUndefined();
  });

  it('knows all 257 documented RecordTypes and keeps unknown numbers as text', () => {
    expect(Object.keys(RECORD_TYPE_NAMES)).toHaveLength(257);
    expect(recordTypeName(15)).toBe('AzureActiveDirectoryStsLogon');
    expect(recordTypeName('22')).toBe('Viva Engage');
    expect(recordTypeName(463)).toBe('VivaGlintAgenticCampaign');
    expect(recordTypeName(12)).toBe('12');
    expect(recordTypeName(null)).toBeUndefined();
    expect(event({ RecordType: 9999 }).event.code).toBe('9999');
  });

  it.each([
    ['Succeeded', 'success', 'success'],
    ['success', 'success', 'success'],
    ['PartiallySucceeded', 'success', 'success'],
    ['Partially Succeeded', 'success', 'success'],
    ['True', 'success', 'success'],
    ['Failed', 'failure', 'failure'],
    ['failed', 'failure', 'failure'],
    ['FALSE', 'failure', 'failure'],
    ['Pending', undefined, 'unknown'],
    // Empty is the same as absent: the operation happened.
    ['', undefined, 'success'],
  ])('maps ResultStatus %p to %p (event outcome %p)', (status, mapped, outcome) => {
    expect(outcomeFromResultStatus(status)).toBe(mapped);
    expect(event({ ResultStatus: status }).event.outcome).toBe(outcome);
  });

  it('lower-cases the tenant id, prefers the record over the context, and carries the tenant name', () => {
    const e = event(
      { OrganizationId: 'ABCDEF00-0000-0000-0000-000000000001' },
      { tenantId: 'other', tenantName: 'Contoso Ltd' },
    );
    expect(e.organization).toEqual({ id: 'abcdef00-0000-0000-0000-000000000001', name: 'Contoso Ltd' });
    expect(event({}, { tenantId: 'ABC' }).organization).toEqual({ id: 'abc' });
    expect(event({}).organization).toBeUndefined();
  });

  it('carries the content type and content id of the blob', () => {
    const e = event({}, { contentType: 'Audit.Exchange', contentId: 'blob-1' });
    expect(e.o365).toMatchObject({ content_type: 'Audit.Exchange', content_id: 'blob-1' });
  });

  it('splits name@domain ids, keeping the case, and gives an email only for an address', () => {
    expect(event({ UserId: 'Megan.Bowen@Contoso.OnMicrosoft.com' }).user).toEqual({
      id: 'Megan.Bowen@Contoso.OnMicrosoft.com',
      email: 'Megan.Bowen@Contoso.OnMicrosoft.com',
      name: 'Megan.Bowen',
      domain: 'Contoso.OnMicrosoft.com',
    });
    expect(event({ UserId: 'app@sharepoint' }).user).toEqual({
      id: 'app@sharepoint',
      name: 'app',
      domain: 'sharepoint',
    });
    expect(event({ UserId: 'a@b@c.com' }).user).toEqual({ id: 'a@b@c.com', name: 'a@b@c.com' });
  });

  it('carries the data stream, with the namespace from the context', () => {
    expect(event({}, { dataStreamNamespace: 'tenant_a' }).data_stream).toEqual({
      type: 'logs',
      dataset: 'o365.audit',
      namespace: 'tenant_a',
    });
    expect(event({}).data_stream.namespace).toBe('default');
  });

  it('splits DOMAIN\\user ids and leaves SIDs as ids only', () => {
    expect(event({ UserId: 'NT AUTHORITY\\SYSTEM' }).user).toEqual({
      id: 'NT AUTHORITY\\SYSTEM',
      name: 'SYSTEM',
      domain: 'NT AUTHORITY',
    });
    expect(event({ UserId: 'S-1-5-18' }).user).toEqual({ id: 'S-1-5-18' });
  });

  it('names UserType whether it is a number or a string of digits', () => {
    expect(event({ UserType: 2 }).o365.user_type).toBe('Admin');
    expect(event({ UserType: '10' }).o365.user_type).toBe('Guest');
    expect(event({ UserType: 99 }).o365.user_type).toBeUndefined();
  });

  it('turns Name/Value lists in o365.audit into objects, keeping repeated names and neutralizing dotted and __proto__ names', () => {
    const e = eventFor('robustness.json', '20202020-0000-4000-8000-000000000004');
    const parameters = e.o365.audit.Parameters as Record<string, unknown>;
    expect(parameters.Tag).toEqual(['a', 'b']);
    expect(Object.keys(parameters)).toEqual(['__proto__', 'Tag']);
    expect(Object.getPrototypeOf({})).not.toHaveProperty('x');
    expect(e.o365.audit.ModifiedProperties).toEqual({ a_b: { OldValue: '1', NewValue: '2' }, PlainName: {} });
    expect(JSON.parse(JSON.stringify(parameters))).toEqual({ ['__proto__']: 'x', Tag: ['a', 'b'] });
  });

  it('reads ExtendedProperties and Actor given as strings of JSON', () => {
    const e = eventFor('robustness.json', '20202020-0000-4000-8000-000000000001');
    expect(e.user_agent?.original).toBe('curl/8.5.0');
    expect(e.event).toMatchObject({ code: 'AzureActiveDirectoryStsLogon', outcome: 'success' });
  });

  it('gives unknown RecordTypes and workloads the common fields with a generic category', () => {
    const e = eventFor('robustness.json', '20202020-0000-4000-8000-000000000002');
    expect(e.event).toMatchObject({
      code: '9999',
      provider: 'BrandNewService',
      action: 'SomethingNew',
      category: ['web'],
      type: ['info'],
    });
    expect(e.source).toBeUndefined();
    expect(e['@timestamp']).toBe('2024-06-30T22:01:00.000Z');
  });

  it('normalizes a record with only an Id', () => {
    const e = eventFor('robustness.json', '20202020-0000-4000-8000-000000000003');
    expect(e.event).toEqual({
      id: '20202020-0000-4000-8000-000000000003',
      kind: 'event',
      category: ['web'],
      type: ['info'],
      outcome: 'success',
      dataset: 'o365.audit',
      module: 'o365',
    });
    expect(e.user).toBeUndefined();
  });

  it('does not read values of the wrong shape as names', () => {
    const e = eventFor('robustness.json', 20240701 as unknown as string);
    expect(e.event.id).toBe('20240701');
    expect(e.event.action).toBeUndefined();
    expect(e.user).toBeUndefined();
    expect(e.source).toBeUndefined();
    expect(e.event.code).toBe('ExchangeItem');
    expect(e.email?.subject).toBe('From a JSON string');
  });
});

describe('rejected records', () => {
  it.each([
    [null, 'record is null, not a JSON object'],
    [[{ Id: 'x' }], 'record is an array, not a JSON object'],
    ['{"Id":"x"}', 'record is a string, not a JSON object'],
    [42, 'record is a number, not a JSON object'],
    [{}, 'record has no Id'],
    [{ Id: '  ' }, 'record has no Id'],
    [{ Id: { nested: 1 } }, 'record has no Id'],
  ])('rejects %p with a reason', (record, reason) => {
    expect(normalizeRecord(record)).toEqual({ ok: false, reason });
  });
});
