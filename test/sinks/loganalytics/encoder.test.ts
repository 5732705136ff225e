import { normalizeRecord, type EcsEvent } from '../../../shared/normalize';
import { attachJsonText, RAW_JSON_TEXT } from '../../../shared/rawJson';
import { O365_AUDIT_COLUMNS } from '../../../shared/sinks/loganalytics/columns';
import { LOGS_INGESTION_LIMITS } from '../../../shared/sinks/loganalytics/config';
import { encodeLogsRow, FieldTooLargeError, rowOf } from '../../../shared/sinks/loganalytics/encoder';
import { originalRecordOf } from '../../../shared/sinks/loganalytics/originalRecord';
import { sinkEventOf, TENANT } from '../azureSinkSupport';

const FALLBACK_TIME = '2030-01-01T00:00:00.000Z';

/** An Exchange admin cmdlet record, written from the Management Activity schema. */
const exchangeAdmin = {
  Id: '0b6a2f1e-9c1d-4d7e-8f11-2a3b4c5d6e7f',
  CreationTime: '2024-05-01T10:15:30',
  OrganizationId: TENANT,
  RecordType: 1,
  Operation: 'New-InboxRule',
  Workload: 'Exchange',
  UserType: 2,
  UserKey: '10032001A2B3C4D5',
  UserId: 'admin@contoso.onmicrosoft.com',
  ClientIP: '203.0.113.10:50123',
  ResultStatus: 'True',
  ObjectId: 'contoso.onmicrosoft.com/Users/alex\\ForwardAll',
  ExternalAccess: false,
  OriginatingServer: 'AM0PR01MB1234 (15.20.7452.000)',
  Parameters: [
    { Name: 'Name', Value: 'ForwardAll' },
    { Name: 'ForwardTo', Value: 'attacker@example.net' },
  ],
};

/** A SharePoint file download. */
const sharePointDownload = {
  Id: '7d1e3c55-0a6b-4a70-9e0d-5b1f2c3d4e5f',
  CreationTime: '2024-05-01T11:00:00',
  OrganizationId: TENANT,
  RecordType: 6,
  Operation: 'FileDownloaded',
  Workload: 'SharePoint',
  UserType: 0,
  UserKey: 'i:0h.f|membership|10032001a2b3c4d5@live.com',
  UserId: 'alex@contoso.onmicrosoft.com',
  ClientIP: '198.51.100.23',
  UserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
  ObjectId: 'https://contoso.sharepoint.com/sites/Finance/Shared Documents/budget.xlsx',
  SiteUrl: 'https://contoso.sharepoint.com/sites/Finance/',
  SourceRelativeUrl: 'Shared Documents',
  SourceFileName: 'budget.xlsx',
  SourceFileExtension: 'xlsx',
};

/** A mailbox access by a delegate, with the client address only in ClientIPAddress. */
const mailboxLogin = {
  Id: '3f2e1d0c-4b5a-4697-8877-665544332211',
  CreationTime: '2024-05-01T12:00:00',
  OrganizationId: TENANT,
  RecordType: 2,
  Operation: 'MailboxLogin',
  Workload: 'Exchange',
  UserType: 0,
  UserKey: '10032001A2B3C4D5',
  UserId: 'delegate@contoso.onmicrosoft.com',
  ClientIPAddress: '192.0.2.44',
  ResultStatus: 'Succeeded',
  LogonType: 2,
  MailboxOwnerUPN: 'ceo@contoso.onmicrosoft.com',
  ClientInfoString: 'Client=OWA;Action=ViaProxy',
};

/** A Teams member added. */
const teamsMemberAdded = {
  Id: '9a8b7c6d-5e4f-4321-8fed-cba987654321',
  CreationTime: '2024-05-01T13:00:00',
  OrganizationId: TENANT,
  RecordType: 25,
  Operation: 'MemberAdded',
  Workload: 'MicrosoftTeams',
  UserType: 0,
  UserKey: '5f6e7d8c-1111-2222-3333-444455556666',
  UserId: 'owner@contoso.onmicrosoft.com',
  TeamName: 'Finance',
  Members: [{ UPN: 'guest_example.net#EXT#@contoso.onmicrosoft.com', Role: 1 }],
};

/** Read from its text, as the blob splitter reads records, so the normalizer holds that text. */
function eventOf(record: object, tenantName?: string, preserveOriginal?: boolean): EcsEvent {
  const text = JSON.stringify(record);
  const parsed = JSON.parse(text) as object;
  attachJsonText(parsed, RAW_JSON_TEXT, text);
  const result = normalizeRecord(parsed, {
    preserveOriginal,
    tenantId: TENANT,
    tenantName,
    contentType: 'Audit.Exchange',
    contentId: 'c1',
  });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

function rowFor(record: object, tenantName?: string) {
  const event = eventOf(record, tenantName);
  return { event, encoded: encodeLogsRow(sinkEventOf(event, 0), FALLBACK_TIME) };
}

describe('loganalytics row encoder (OfficeActivity-like columns)', () => {
  it('fills the OfficeActivity columns of an Exchange cmdlet the way OfficeActivity spells them', () => {
    const { encoded } = rowFor(exchangeAdmin, 'Contoso');
    expect(encoded.row).toMatchObject({
      TimeGenerated: '2024-05-01T10:15:30.000Z',
      OfficeId: exchangeAdmin.Id,
      Operation: 'New-InboxRule',
      OfficeWorkload: 'Exchange',
      RecordType: 'ExchangeAdmin',
      ResultStatus: 'True',
      UserId: 'admin@contoso.onmicrosoft.com',
      UserKey: '10032001A2B3C4D5',
      UserType: 'Admin',
      ClientIP: '203.0.113.10:50123',
      OrganizationId: TENANT,
      OrganizationName: 'Contoso',
      OfficeObjectId: exchangeAdmin.ObjectId,
      ExternalAccess: 'false',
      Parameters: JSON.stringify(exchangeAdmin.Parameters),
    });
    // The cmdlet's parameters stay queryable as in OfficeActivity: todynamic(Parameters).
    expect(JSON.parse(encoded.row.Parameters as string)[1]).toEqual({
      Name: 'ForwardTo',
      Value: 'attacker@example.net',
    });
  });

  it('fills the SharePoint file columns', () => {
    const { encoded } = rowFor(sharePointDownload);
    expect(encoded.row).toMatchObject({
      RecordType: 'SharePointFileOperation',
      UserType: 'Regular',
      Site_Url: sharePointDownload.SiteUrl,
      SourceFileName: 'budget.xlsx',
      SourceFileExtension: 'xlsx',
      SourceRelativeUrl: 'Shared Documents',
      UserAgent: sharePointDownload.UserAgent,
      OfficeObjectId: sharePointDownload.ObjectId,
    });
  });

  it('takes ClientIP from ClientIPAddress for a mailbox record, and names the logon type', () => {
    const { encoded } = rowFor(mailboxLogin);
    expect(encoded.row).toMatchObject({
      ClientIP: '192.0.2.44',
      Logon_Type: 'Delegated',
      MailboxOwnerUPN: 'ceo@contoso.onmicrosoft.com',
      ClientInfoString: 'Client=OWA;Action=ViaProxy',
    });
  });

  it('keeps Teams members as a dynamic value', () => {
    const { encoded } = rowFor(teamsMemberAdded);
    expect(encoded.row).toMatchObject({
      TeamName: 'Finance',
      Members: teamsMemberAdded.Members,
      OfficeWorkload: 'MicrosoftTeams',
    });
  });

  it('leaves out the columns a record has nothing for', () => {
    const { encoded } = rowFor(sharePointDownload);
    expect(encoded.row).not.toHaveProperty('Parameters');
    expect(encoded.row).not.toHaveProperty('MailboxOwnerUPN');
    expect(encoded.row).not.toHaveProperty('OrganizationName');
    for (const name of Object.keys(encoded.row))
      expect(O365_AUDIT_COLUMNS.map((c) => c.name)).toContain(name);
  });

  it('carries the whole ECS event as EcsEvent, and its payload is the JSON of the row', () => {
    const { event, encoded } = rowFor(exchangeAdmin);
    expect(encoded.row.EcsEvent).toBe(event);
    expect(JSON.parse(encoded.payload)).toEqual(JSON.parse(JSON.stringify(encoded.row)));
    expect(encoded.bytes).toBe(Buffer.byteLength(encoded.payload));
    expect(rowOf({ source: encoded.source, payload: encoded.payload, bytes: encoded.bytes })).toEqual(
      JSON.parse(JSON.stringify(encoded.row)),
    );
  });

  it('reads the columns from event.original when the event has it, before a reshaped o365.audit', () => {
    const event = eventOf(exchangeAdmin) as EcsEvent & { event: { original?: string } };
    const reshaped = {
      ...event,
      event: { ...event.event, original: JSON.stringify(exchangeAdmin) },
      o365: {
        ...event.o365,
        audit: { ...exchangeAdmin, Parameters: { Name: 'ForwardAll', ForwardTo: 'attacker@example.net' } },
      },
    };
    expect(originalRecordOf(reshaped)).toEqual(exchangeAdmin);
    const row = encodeLogsRow(sinkEventOf(reshaped, 0), FALLBACK_TIME).row;
    expect(row.Parameters).toBe(JSON.stringify(exchangeAdmin.Parameters));
  });

  it('reads the columns from the text a reshaped o365.audit was made from when event.original is left out (the default)', () => {
    const event = eventOf(exchangeAdmin);
    expect(event.event.original).toBeUndefined();
    expect(event.o365.audit.Parameters).toEqual({ Name: 'ForwardAll', ForwardTo: 'attacker@example.net' });
    expect(originalRecordOf(event)).toEqual(exchangeAdmin);
    const row = encodeLogsRow(sinkEventOf(event, 0), FALLBACK_TIME).row;
    expect(row.Parameters).toBe(JSON.stringify(exchangeAdmin.Parameters));
    // With event.original on, the same columns come from it.
    const kept = eventOf(exchangeAdmin, undefined, true);
    expect(kept.event.original).toBe(JSON.stringify(exchangeAdmin));
    expect(encodeLogsRow(sinkEventOf(kept, 0), FALLBACK_TIME).row.Parameters).toBe(row.Parameters);
  });

  it('falls back to o365.audit when event.original is absent or not JSON', () => {
    const event = eventOf(mailboxLogin);
    expect(originalRecordOf(event)).toEqual(mailboxLogin);
    expect(originalRecordOf({ ...event, event: { ...event.event, original: 'not json' } })).toEqual(
      mailboxLogin,
    );
    expect(originalRecordOf({ event: {} })).toEqual({});
  });

  it('takes TimeGenerated from @timestamp, else the record CreationTime, else the fallback', () => {
    const event = eventOf(sharePointDownload);
    const noTimestamp = { ...event, '@timestamp': undefined };
    expect(encodeLogsRow(sinkEventOf(noTimestamp, 0), FALLBACK_TIME).row.TimeGenerated).toBe(
      '2024-05-01T11:00:00.000Z',
    );
    const pipelineError = {
      event: { kind: 'pipeline_error', reason: 'record is a string' },
      o365: { audit: 'oops' },
    };
    const row = encodeLogsRow(sinkEventOf(pipelineError, 3), FALLBACK_TIME).row;
    expect(row).toEqual({ TimeGenerated: FALLBACK_TIME, EcsEvent: pipelineError });
  });

  it('refuses an event whose EcsEvent would pass 64 KB, naming the column and its size', () => {
    const big = { ...sharePointDownload, Padding: 'x'.repeat(70_000) };
    const event = eventOf(big);
    let error: unknown;
    try {
      encodeLogsRow(sinkEventOf(event, 0), FALLBACK_TIME);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FieldTooLargeError);
    expect(error).toMatchObject({ column: 'EcsEvent' });
    expect((error as FieldTooLargeError).bytes).toBeGreaterThan(LOGS_INGESTION_LIMITS.maxFieldBytes);
    expect((error as Error).message).toMatch(
      /column EcsEvent would hold \d+ bytes, over the 65536-byte \(64 KB\) limit/,
    );
  });

  it('refuses an event with a string column over 64 KB (counted in UTF-8 bytes), even when the event fits', () => {
    // 30,000 three-byte characters: 90,000 bytes. The event holds them too; the columns are checked
    // first, so the reason names the column a query would have read.
    const record = { ...exchangeAdmin, Parameters: '€'.repeat(30_000) };
    expect(() => encodeLogsRow(sinkEventOf(eventOf(record), 0), FALLBACK_TIME)).toThrow(
      /column Parameters would hold 90000 bytes/,
    );
  });

  it('accepts an event just under the limit', () => {
    const event = eventOf({ ...sharePointDownload, Padding: 'x'.repeat(20_000) });
    expect(() => encodeLogsRow(sinkEventOf(event, 0), FALLBACK_TIME)).not.toThrow();
  });
});
