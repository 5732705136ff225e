/**
 * Deterministic audit records for the simulated tenant, shaped after the schema page and the real
 * samples in the reference: the same (contentType, count, seed, tenantId, startTime) always gives the
 * same records. The shapes keep the API's surprises on purpose, because the normalizer must survive
 * them: CreationTime without a "Z", ClientIP in every format seen in the wild (with ports, bracketed
 * IPv6, IPv4-mapped, empty, null), failed STS logons whose ResultStatus still says "Succeeded",
 * "DLPRuleMatch" next to the documented "DlpRuleMatch", numbers sent as strings.
 */
import type { ContentType } from '../../shared/contentTypes';
import { DLP_SENSITIVE_TYPES } from './dlpSensitiveTypes';
import { hex8Of, scramble32, SeededRandom } from './seededRandom';

export interface GenerateOptions {
  seed: number;
  tenantId: string;
  /** Event times fall in the hour after this (default 2024-01-01T00:00:00Z, so output never depends on now). */
  startTime?: Date;
}

export type AuditRecord = Record<string, unknown>;

const DEFAULT_START = Date.UTC(2024, 0, 1);
const EVENT_SPREAD_MS = 60 * 60 * 1000;

interface Person {
  upn: string;
  oneDriveUrl: string;
  objectId: string;
  puid: string;
  displayName: string;
  sid: string;
}

interface TenantContext {
  rng: SeededRandom;
  tenantId: string;
  domain: string;
  sharePointHost: string;
  people: Person[];
  startMs: number;
  idSalt: number;
  index: number;
}

type RecordBuilder = (ctx: TenantContext, common: CommonFields) => AuditRecord;

interface CommonFields {
  Id: string;
  CreationTime: string;
  OrganizationId: string;
}

const FIRST_NAMES = [
  'adele',
  'alex',
  'diego',
  'grady',
  'henrietta',
  'isaiah',
  'johanna',
  'joni',
  'lee',
  'lidia',
  'lynne',
  'megan',
  'miriam',
  'nestor',
  'patti',
  'pradeep',
];
const LAST_NAMES = [
  'vance',
  'wilber',
  'siciliani',
  'archie',
  'mueller',
  'langer',
  'lanier',
  'sherman',
  'gu',
  'holloway',
  'robbins',
  'bowen',
  'graham',
  'wilke',
  'fernandez',
  'gupta',
];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:72.0) Gecko/20100101 Firefox/72.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17126; Pro)',
  'Microsoft SkyDriveSync 23.246.1127.0002 ship; Windows NT 10.0 (19045)',
  'python-requests/2.31.0',
];
const FILE_NAMES = [
  'Budget 2024.xlsx',
  'Roadmap.pptx',
  'Contract - Fabrikam.docx',
  'Screenshot.png',
  'notes.txt',
  'Payroll.csv',
  'Design review.pdf',
];
const FILE_EXTENSIONS = FILE_NAMES.map((name) => name.slice(name.lastIndexOf('.') + 1));
const LIBRARIES = ['Shared Documents', 'Documents', 'Shared Documents/Finance', 'Documents/Projects'];
const SITES = ['Finance', 'Marketing', 'Internalcommunications', 'Engineering', 'HR'];
const LOGON_FAILURES: readonly [string, string][] = [
  ['50126', 'InvalidUserNameOrPassword'],
  ['50053', 'IdsLocked'],
  ['50057', 'UserAccountDisabled'],
  ['50074', 'UserStrongAuthClientAuthNRequired'],
  ['50076', 'UserStrongAuthExpired'],
  ['53003', 'BlockedByConditionalAccess'],
];
const APPLICATIONS = [
  '00000002-0000-0ff1-ce00-000000000000', // Exchange Online
  '00000003-0000-0ff1-ce00-000000000000', // SharePoint Online
  '4345a7b9-9a63-4910-a426-35363201d503', // O365 Suite UX
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264', // Teams
];
const ROLES: readonly [string, string, string][] = [
  ['Global Administrator', '62e90394-69f5-4237-9190-012177145e10', 'CompanyAdministrator'],
  ['Exchange Administrator', '29232cdf-9323-42fd-ade2-1d097af3e4de', 'ExchangeServiceAdministrator'],
  ['Security Reader', '5d6b6bb7-de71-4623-b4af-96380a352509', 'SecurityReader'],
];
const MAIL_SUBJECTS = [
  'Quarterly results',
  'Re: Invoice 4471',
  'Your password expires soon',
  'Team offsite',
  'FW: Contract draft',
];
const FOLDERS = ['\\Inbox', '\\Sent Items', '\\Deleted Items', '\\Inbox\\Projects', '\\Archive'];
/** The types a DLP rule matches: the first three the tenant lists (local/simulator/dlpSensitiveTypes.ts). */
const SENSITIVE_TYPES = DLP_SENSITIVE_TYPES.slice(0, 3).map((t) => t.id);

/** Generates `count` records of one content type; fast enough for a million in a benchmark. */
export function generateRecords(
  contentType: ContentType,
  count: number,
  options: GenerateOptions,
): AuditRecord[] {
  const rng = new SeededRandom(options.seed);
  const ctx = tenantContext(rng, options);
  const builders = BUILDERS[contentType];
  const out: AuditRecord[] = new Array<AuditRecord>(count);
  for (let i = 0; i < count; i++) {
    ctx.index = i;
    const common: CommonFields = {
      Id: recordId(ctx),
      CreationTime: creationTime(ctx),
      OrganizationId: ctx.tenantId,
    };
    out[i] = pickWeighted(rng, builders)(ctx, common);
  }
  return out;
}

function tenantContext(rng: SeededRandom, options: GenerateOptions): TenantContext {
  const tenantId = options.tenantId.toLowerCase();
  // The tenant's look (domain, people) depends only on the tenant, so every seed sees the same users.
  const tenantRng = new SeededRandom(parseInt(tenantId.replace(/-/g, '').slice(0, 8), 16) || 1);
  const org = `m365x${String(tenantRng.nextUint32() % 1000000).padStart(6, '0')}`;
  const domain = `${org}.onmicrosoft.com`;
  const people: Person[] = [];
  for (let i = 0; i < 24; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length];
    const last = LAST_NAMES[(i * 7) % LAST_NAMES.length];
    const upn = `${first}.${last}@${domain}`;
    people.push({
      upn,
      oneDriveUrl: `https://${org}-my.sharepoint.com/personal/${upn.replace(/[.@]/g, '_')}/`,
      objectId: tenantRng.guid(),
      puid: `1003${tenantRng.hex8().toUpperCase()}${tenantRng.hex8().slice(0, 4).toUpperCase()}`,
      displayName: `${capital(first)} ${capital(last)}`,
      sid: `S-1-5-21-${tenantRng.nextUint32()}-${tenantRng.nextUint32()}-${tenantRng.nextUint32()}-${1000 + i}`,
    });
  }
  return {
    rng,
    tenantId,
    domain,
    sharePointHost: `https://${org}.sharepoint.com`,
    people,
    startMs: options.startTime?.getTime() ?? DEFAULT_START,
    idSalt: rng.nextUint32(),
    index: 0,
  };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** GUID-shaped and unique within one call: the last 8 hex digits are a bijection of the index. */
function recordId(ctx: TenantContext): string {
  const a = ctx.rng.hex8();
  const b = ctx.rng.hex8();
  const tail = hex8Of(scramble32((ctx.index ^ ctx.idSalt) >>> 0));
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${'89ab'[ctx.rng.int(4)]}${a.slice(1, 4)}-${b.slice(0, 4)}${tail}`;
}

/** The schema's Edm.Date is UTC written without the "Z". */
function creationTime(ctx: TenantContext): string {
  return new Date(ctx.startMs + ctx.rng.int(EVENT_SPREAD_MS)).toISOString().slice(0, 19);
}

function pickWeighted(
  rng: SeededRandom,
  builders: readonly (readonly [number, RecordBuilder])[],
): RecordBuilder {
  let roll = rng.float();
  for (const [weight, builder] of builders) {
    if (roll < weight) return builder;
    roll -= weight;
  }
  return builders[builders.length - 1][1];
}

function ipv4(rng: SeededRandom): string {
  // Documentation ranges only (RFC 5737).
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${rng.pick(nets)}.${rng.between(1, 254)}`;
}

function ipv6(rng: SeededRandom): string {
  return `2001:db8:${rng.int(65536).toString(16)}::${rng.int(65536).toString(16)}`;
}

/** Every ClientIP format seen in real records. */
function clientIp(rng: SeededRandom): string | null {
  const roll = rng.int(100);
  if (roll < 50) return ipv4(rng);
  if (roll < 60) return `${ipv4(rng)}:${rng.between(1024, 65535)}`;
  if (roll < 72) return ipv6(rng);
  if (roll < 82) return `[${ipv6(rng)}]:${rng.between(1024, 65535)}`;
  if (roll < 90) return `::ffff:${ipv4(rng)}`;
  if (roll < 95) return '';
  return null;
}

function person(ctx: TenantContext): Person {
  return ctx.rng.pick(ctx.people);
}

// ---- Audit.AzureActiveDirectory ----------------------------------------------------------------

function stsLogon(ctx: TenantContext, common: CommonFields, failed: boolean): AuditRecord {
  const { rng } = ctx;
  const who = person(ctx);
  const ip = clientIp(rng);
  const app = rng.pick(APPLICATIONS);
  const record: AuditRecord = {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 15,
    Operation: failed ? 'UserLoginFailed' : 'UserLoggedIn',
    Version: 1,
    Workload: 'AzureActiveDirectory',
    UserType: 0,
    UserKey: `${who.puid}@${ctx.domain}`,
    UserId: who.upn,
    ClientIP: ip,
    ActorIpAddress: ip,
    ObjectId: app,
    // For STS logons "Succeeded" only means the HTTP exchange worked: a failure is in LogonError.
    ResultStatus: failed ? rng.pick(['Failed', 'Succeeded']) : 'Succeeded',
    AzureActiveDirectoryEventType: 1,
    ApplicationId: app,
    Actor: [
      { ID: who.objectId, Type: 0 },
      { ID: who.upn, Type: 5 },
      { ID: who.puid, Type: 3 },
    ],
    ActorContextId: ctx.tenantId,
    Target: [{ ID: app, Type: 0 }],
    TargetContextId: ctx.tenantId,
    InterSystemsId: rng.guid(),
    IntraSystemId: rng.guid(),
    SupportTicketId: '',
    ModifiedProperties: [],
    ExtendedProperties: [
      { Name: 'UserAgent', Value: rng.pick(USER_AGENTS) },
      { Name: 'UserAuthenticationMethod', Value: String(rng.pick([1, 9, 12])) },
      { Name: 'RequestType', Value: rng.pick(['OAuth2:Authorize', 'OAuth2:Token', 'Login:login']) },
      { Name: 'ResultStatusDetail', Value: failed ? 'UserError' : 'Success' },
      { Name: 'KeepMeSignedIn', Value: rng.pick(['False', 'false', 'True']) },
    ],
    DeviceProperties: [
      { Name: 'OS', Value: rng.pick(['Windows10', 'MacOs', 'Ios', 'Android']) },
      { Name: 'BrowserType', Value: rng.pick(['Edge', 'Chrome', 'Firefox', 'Safari']) },
      { Name: 'IsCompliantAndManaged', Value: rng.pick(['True', 'False']) },
      { Name: 'SessionId', Value: rng.guid() },
    ],
  };
  if (failed) {
    const [code, reason] = rng.pick(LOGON_FAILURES);
    record.LogonError = reason;
    // ErrorCode arrives as a string or a number depending on the record: keep both.
    record.ErrorCode = rng.chance(0.5) ? code : Number(code);
  } else {
    record.ErrorCode = '0';
  }
  return record;
}

function directoryChange(
  ctx: TenantContext,
  common: CommonFields,
  operation: 'Add user.' | 'Update user.' | 'Add member to role.',
): AuditRecord {
  const { rng } = ctx;
  const admin = person(ctx);
  const target = person(ctx);
  let modified: { Name: string; NewValue: string; OldValue: string }[];
  if (operation === 'Add user.') {
    modified = [
      { Name: 'AccountEnabled', NewValue: '[\r\n  true\r\n]', OldValue: '[]' },
      { Name: 'DisplayName', NewValue: `[\r\n  "${target.displayName}"\r\n]`, OldValue: '[]' },
      { Name: 'UserPrincipalName', NewValue: `[\r\n  "${target.upn}"\r\n]`, OldValue: '[]' },
      {
        Name: 'Included Updated Properties',
        NewValue: 'AccountEnabled, DisplayName, UserPrincipalName',
        OldValue: '',
      },
    ];
  } else if (operation === 'Update user.') {
    const dept = rng.pick(['Finance', 'Sales', 'Engineering']);
    modified = [
      { Name: 'Department', NewValue: `[\r\n  "${dept}"\r\n]`, OldValue: '[\r\n  "Marketing"\r\n]' },
      {
        Name: 'StrongAuthenticationMethod',
        NewValue: '[]',
        OldValue: '[\r\n  {\r\n    "MethodType": 6\r\n  }\r\n]',
      },
      {
        Name: 'Included Updated Properties',
        NewValue: 'Department, StrongAuthenticationMethod',
        OldValue: '',
      },
    ];
  } else {
    const [name, id, wellKnown] = rng.pick(ROLES);
    modified = [
      { Name: 'Role.ObjectID', NewValue: id, OldValue: '' },
      { Name: 'Role.DisplayName', NewValue: name, OldValue: '' },
      { Name: 'Role.TemplateId', NewValue: id, OldValue: '' },
      { Name: 'Role.WellKnownObjectName', NewValue: wellKnown, OldValue: '' },
    ];
  }
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 8,
    Operation: operation,
    Version: 1,
    Workload: 'AzureActiveDirectory',
    // Entra admin actions are logged with UserType 0 (Regular), not 2 (Admin).
    UserType: 0,
    UserKey: `${admin.puid}@${ctx.domain}`,
    UserId: admin.upn,
    // "for Microsoft Entra ID-related events, the IP address isn't logged and ClientIP is null".
    ClientIP: rng.chance(0.7) ? null : clientIp(rng),
    ObjectId: target.upn,
    ResultStatus: rng.pick(['Success', 'Success', 'success', 'Failure']),
    AzureActiveDirectoryEventType: 1,
    Actor: [
      { ID: admin.upn, Type: 5 },
      { ID: admin.puid, Type: 3 },
      { ID: `User_${admin.objectId}`, Type: 2 },
    ],
    ActorContextId: ctx.tenantId,
    Target: [
      { ID: `User_${target.objectId}`, Type: 2 },
      { ID: target.objectId, Type: 2 },
      { ID: target.upn, Type: 5 },
      { ID: target.puid, Type: 3 },
    ],
    TargetContextId: ctx.tenantId,
    InterSystemsId: rng.guid(),
    IntraSystemId: rng.guid(),
    SupportTicketId: '',
    ModifiedProperties: modified,
    ExtendedProperties: [
      { Name: 'additionalDetails', Value: '{}' },
      { Name: 'extendedAuditEventCategory', Value: operation === 'Add member to role.' ? 'Role' : 'User' },
    ],
  };
}

// ---- Audit.Exchange ----------------------------------------------------------------------------

function exchangeAdmin(
  ctx: TenantContext,
  common: CommonFields,
  cmdlet: 'Set-Mailbox' | 'New-InboxRule',
): AuditRecord {
  const { rng } = ctx;
  const admin = person(ctx);
  const mailbox = person(ctx);
  const parameters =
    cmdlet === 'Set-Mailbox'
      ? [
          { Name: 'Identity', Value: mailbox.upn },
          { Name: 'ForwardingSmtpAddress', Value: `smtp:${mailbox.upn.split('@')[0]}@external.example` },
          { Name: 'DeliverToMailboxAndForward', Value: 'True' },
        ]
      : [
          { Name: 'Mailbox', Value: mailbox.upn },
          { Name: 'Name', Value: rng.pick(['.', 'Move invoices', 'cleanup']) },
          { Name: 'SubjectContainsWords', Value: rng.pick(['invoice', 'password;reset', 'payment']) },
          { Name: 'MoveToFolder', Value: rng.pick(['RSS Feeds', 'Archive', 'Conversation History']) },
          { Name: 'MarkAsRead', Value: 'True' },
          { Name: 'StopProcessingRules', Value: 'True' },
        ];
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 1,
    Operation: cmdlet,
    Version: 1,
    Workload: 'Exchange',
    UserType: rng.pick([0, 2]),
    UserKey: admin.puid,
    UserId: admin.upn,
    ClientIP: clientIp(rng),
    ObjectId: mailbox.upn,
    // Exchange admin events report True/False, not Succeeded/Failed.
    ResultStatus: rng.chance(0.9) ? 'True' : 'False',
    ExternalAccess: false,
    OrganizationName: ctx.domain,
    OriginatingServer: `AM6PR01MB${rng.between(1000, 9999)} (15.20.${rng.between(1000, 9999)}.000)\r\n`,
    ModifiedObjectResolvedName: mailbox.displayName,
    Parameters: parameters,
    AppId: '',
    ClientAppId: '',
  };
}

// Records are built as one literal (no object spread): spreading dozens of keys is several times
// slower, and the benchmarks generate a million records.
function mailboxRecord(
  ctx: TenantContext,
  common: CommonFields,
  recordType: number,
  operation: string,
  owner: Person,
): AuditRecord {
  const { rng } = ctx;
  const ip = clientIp(rng);
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: recordType,
    Operation: operation,
    Version: 1,
    Workload: 'Exchange',
    UserType: 0,
    UserKey: owner.puid,
    UserId: owner.upn,
    ClientIP: ip,
    ClientIPAddress: ip,
    ResultStatus: 'Succeeded',
    LogonType: 0,
    InternalLogonType: 0,
    ExternalAccess: false,
    MailboxGuid: rng.guid(),
    MailboxOwnerUPN: owner.upn,
    MailboxOwnerSid: owner.sid,
    LogonUserSid: owner.sid,
    OrganizationName: ctx.domain,
    OriginatingServer: `DB9PR0${rng.between(1, 9)}MB${rng.between(1000, 9999)} (15.20.${rng.between(1000, 9999)}.000)\r\n`,
    ClientInfoString: rng.pick([
      'Client=OWA;Action=ViaProxy',
      'Client=MSExchangeRPC',
      'Client=REST;Client=RESTSystem;;',
      'Client=WebServices;Action=ConfigureGroupMailbox',
    ]),
  };
}

function mailItem(ctx: TenantContext): AuditRecord {
  const { rng } = ctx;
  const path = rng.pick(FOLDERS);
  return {
    Id: `RgAAAAB${rng.hex8()}${rng.hex8()}${rng.hex8()}AAAJ`,
    Subject: rng.pick(MAIL_SUBJECTS),
    ParentFolder: { Id: `LgAAAAB${rng.hex8()}${rng.hex8()}AAAB`, Path: path, Name: path.split('\\').pop() },
    InternetMessageId: `<${rng.hex8().toUpperCase()}${rng.hex8().toUpperCase()}@AM6PR01MB4535.eurprd01.prod.exchangelabs.com>`,
    IsRecord: false,
    SizeInBytes: rng.between(2000, 900000),
  };
}

function mailboxItem(ctx: TenantContext, common: CommonFields, operation: 'Send' | 'Create'): AuditRecord {
  const owner = person(ctx);
  const item = mailItem(ctx);
  if (ctx.rng.chance(0.3))
    item.Attachments = `${ctx.rng.pick(FILE_NAMES)} (${ctx.rng.between(1000, 500000)}b)`;
  const record = mailboxRecord(ctx, common, 2, operation, owner);
  record.ObjectId = item.Id;
  record.Item = item;
  return record;
}

function hardDelete(ctx: TenantContext, common: CommonFields): AuditRecord {
  const owner = person(ctx);
  const items = [mailItem(ctx), mailItem(ctx)];
  const folder = items[0].ParentFolder as { Id: string; Path: string };
  const record = mailboxRecord(ctx, common, 3, 'HardDelete', owner);
  record.CrossMailboxOperation = false;
  record.Folder = { Id: folder.Id, Path: folder.Path };
  record.AffectedItems = items;
  return record;
}

function mailItemsAccessed(ctx: TenantContext, common: CommonFields): AuditRecord {
  const { rng } = ctx;
  const owner = person(ctx);
  const count = rng.between(1, 4);
  const folderItems = [];
  for (let i = 0; i < count; i++) {
    folderItems.push({
      InternetMessageId: `<${rng.hex8()}${rng.hex8()}@${ctx.domain}>`,
      SizeInBytes: rng.between(2000, 200000),
    });
  }
  const record = mailboxRecord(ctx, common, 50, 'MailItemsAccessed', owner);
  record.OperationCount = count;
  record.OperationProperties = [
    { Name: 'MailAccessType', Value: rng.pick(['Bind', 'Sync']) },
    { Name: 'IsThrottled', Value: 'False' },
  ];
  record.Folders = [{ Id: `LgAAAAB${rng.hex8()}AAAB`, Path: rng.pick(FOLDERS), FolderItems: folderItems }];
  record.SessionId = rng.guid();
  record.AppId = rng.pick(APPLICATIONS);
  record.ClientAppId = rng.pick(APPLICATIONS);
  return record;
}

// ---- Audit.SharePoint --------------------------------------------------------------------------

function fileLocation(ctx: TenantContext, who: Person) {
  const { rng } = ctx;
  const oneDrive = rng.chance(0.4);
  const siteUrl = oneDrive ? who.oneDriveUrl : `${ctx.sharePointHost}/sites/${rng.pick(SITES)}/`;
  const relative = oneDrive ? 'Documents' : rng.pick(LIBRARIES);
  const file = rng.int(FILE_NAMES.length);
  const fileName = FILE_NAMES[file];
  return {
    Workload: oneDrive ? 'OneDrive' : 'SharePoint',
    SiteUrl: siteUrl,
    SourceRelativeUrl: relative,
    SourceFileName: fileName,
    SourceFileExtension: FILE_EXTENSIONS[file],
    ObjectId: `${siteUrl}${relative}/${fileName}`,
  };
}

function sharePointRecord(
  ctx: TenantContext,
  common: CommonFields,
  recordType: number,
  operation: string,
  who: Person,
): AuditRecord {
  const { rng } = ctx;
  const location = fileLocation(ctx, who);
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: recordType,
    Operation: operation,
    Workload: location.Workload,
    ObjectId: location.ObjectId,
    SiteUrl: location.SiteUrl,
    SourceRelativeUrl: location.SourceRelativeUrl,
    SourceFileName: location.SourceFileName,
    SourceFileExtension: location.SourceFileExtension,
    Version: 1,
    UserType: 0,
    UserKey: `i:0h.f|membership|${who.puid.toLowerCase()}@live.com`,
    UserId: who.upn,
    ClientIP: clientIp(rng),
    UserAgent: rng.pick(USER_AGENTS),
    EventSource: 'SharePoint',
    // The schema documents ItemType as a number; records carry the name.
    ItemType: 'File',
    Site: rng.guid(),
    WebId: rng.guid(),
    ListId: rng.guid(),
    ListItemUniqueId: rng.guid(),
    CorrelationId: rng.guid(),
  };
}

function fileOperation(ctx: TenantContext, common: CommonFields, operation: string): AuditRecord {
  const who = person(ctx);
  const record = sharePointRecord(ctx, common, 6, operation, who);
  record.ImplicitShare = 'No';
  return record;
}

function sharing(
  ctx: TenantContext,
  common: CommonFields,
  operation: 'SharingSet' | 'AnonymousLinkCreated',
): AuditRecord {
  const { rng } = ctx;
  const who = person(ctx);
  const other = person(ctx);
  const record = sharePointRecord(ctx, common, 14, operation, who);
  record.UniqueSharingId = rng.guid();
  if (operation === 'SharingSet') {
    record.TargetUserOrGroupName = rng.chance(0.3) ? `guest_${rng.hex8()}@external.example` : other.upn;
    record.TargetUserOrGroupType = rng.pick(['Member', 'Guest', 'SharePointGroup']);
    record.EventData = '<PermissionsGranted>Contribute</PermissionsGranted>';
  } else {
    record.EventData = `<Type>${rng.pick(['View', 'Edit'])}</Type><MembersCanShare>Yes</MembersCanShare>`;
  }
  return record;
}

// ---- Audit.General -----------------------------------------------------------------------------

function teams(
  ctx: TenantContext,
  common: CommonFields,
  operation: 'TeamCreated' | 'MemberAdded',
): AuditRecord {
  const { rng } = ctx;
  const who = person(ctx);
  const member = person(ctx);
  const team = rng.pick(['Project Falcon', 'Finance Team', 'All Company', 'Incident Response']);
  const record: AuditRecord = {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 25,
    Operation: operation,
    Version: 1,
    Workload: 'MicrosoftTeams',
    UserType: 0,
    UserKey: who.objectId,
    UserId: who.upn,
    ClientIP: clientIp(rng),
    ObjectId: team,
    TeamName: team,
    TeamGuid: `19:${rng.hex8()}${rng.hex8()}@thread.tacv2`,
    AADGroupId: rng.guid(),
    CommunicationType: 'Team',
  };
  if (operation === 'MemberAdded') {
    record.Members = [{ DisplayName: member.displayName, Role: rng.pick([1, 2]), UPN: member.upn }];
  }
  return record;
}

function powerBiView(ctx: TenantContext, common: CommonFields): AuditRecord {
  const { rng } = ctx;
  const who = person(ctx);
  const report = rng.pick(['Sales Overview', 'Security Dashboard', 'Headcount']);
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 20,
    Operation: 'ViewReport',
    Version: 1,
    Workload: 'PowerBI',
    UserType: 0,
    UserKey: who.puid,
    UserId: who.upn,
    ClientIP: clientIp(rng),
    UserAgent: rng.pick(USER_AGENTS),
    Activity: 'ViewReport',
    ItemName: report,
    ObjectId: report,
    ReportName: report,
    ReportId: rng.guid(),
    WorkSpaceName: rng.pick(['Finance', 'My workspace']),
    WorkspaceId: rng.guid(),
    DatasetName: report,
    DatasetId: rng.guid(),
    RequestId: rng.guid(),
    ActivityId: rng.guid(),
    IsSuccess: true,
    DistributionMethod: 'Workspace',
    ConsumptionMethod: 'Power BI Web',
  };
}

function securityAlert(ctx: TenantContext, common: CommonFields): AuditRecord {
  const { rng } = ctx;
  const who = person(ctx);
  const name = rng.pick([
    'Suspicious email sending patterns detected',
    'Creation of forwarding/redirect rule',
    'Elevation of Exchange admin privilege',
  ]);
  const alertId = rng.guid();
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 40,
    Operation: rng.pick(['AlertTriggered', 'AlertEntityGenerated']),
    Version: 1,
    Workload: 'SecurityComplianceCenter',
    UserType: 4,
    UserKey: 'SecurityComplianceAlerts',
    UserId: 'SecurityComplianceAlerts',
    ClientIP: clientIp(rng),
    ResultStatus: 'Succeeded',
    ObjectId: alertId,
    AlertId: alertId,
    AlertType: 'System',
    AlertEntityId: who.upn,
    EntityType: 'User',
    Name: name,
    Category: 'ThreatManagement',
    Severity: rng.pick(['Low', 'Medium', 'High']),
    Status: 'Active',
    Source: 'Office 365 Security & Compliance',
    PolicyId: rng.guid(),
    Comments: 'New alert',
    // Alert details arrive as a JSON document inside a string.
    Data: JSON.stringify({ f3u: who.upn, ts: common.CreationTime, wl: 'Exchange', an: name }),
  };
}

// ---- DLP.All -----------------------------------------------------------------------------------

function policyDetails(ctx: TenantContext): object[] {
  const { rng } = ctx;
  return [
    {
      PolicyId: rng.guid(),
      PolicyName: rng.pick(['Financial Data Detection', 'U.S. PII', 'GDPR Enhanced']),
      Rules: [
        {
          RuleId: rng.guid(),
          RuleName: rng.pick(['Low volume of content detected', 'High volume of content detected']),
          Severity: rng.pick(['Low', 'Medium', 'High']),
          RuleMode: 'Enable',
          Actions: rng.pick([
            ['NotifyUser'],
            ['NotifyUser', 'GenerateAlert'],
            ['BlockAccess', 'GenerateIncidentReport'],
          ]),
          ActionParameters: [`GenerateAlert:${person(ctx).upn}`],
          ConditionsMatched: {
            SensitiveInformation: [
              {
                SensitiveType: rng.pick(SENSITIVE_TYPES),
                Count: rng.between(1, 60),
                Confidence: rng.pick([75, 85, 95]),
              },
            ],
          },
        },
      ],
    },
  ];
}

function dlpSharePoint(ctx: TenantContext, common: CommonFields): AuditRecord {
  const { rng } = ctx;
  const owner = person(ctx);
  const location = fileLocation(ctx, owner);
  const site = location.SiteUrl.slice(0, -1);
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 11,
    // Documented as DlpRuleMatch, seen as DLPRuleMatch.
    Operation: rng.chance(0.8) ? 'DLPRuleMatch' : 'DlpRuleMatch',
    Version: 1,
    Workload: location.Workload,
    UserType: 4,
    UserKey: rng.pick(['DLPAgent', 'DlpAgent']),
    UserId: 'DLPAgent',
    ClientIP: clientIp(rng),
    ObjectId: location.ObjectId,
    IncidentId: rng.guid(),
    SensitiveInfoDetectionIsIncluded: false,
    PolicyDetails: policyDetails(ctx),
    SharePointMetaData: {
      From: owner.upn,
      FileName: location.SourceFileName,
      FileOwner: owner.upn,
      FilePathUrl: encodeURI(location.ObjectId),
      SiteCollectionUrl: site,
      SiteCollectionGuid: rng.guid(),
      UniqueID: rng.guid(),
      ItemCreationTime: common.CreationTime,
      ItemLastModifiedTime: common.CreationTime,
      FileSize: rng.between(1000, 5000000),
      IsViewableByExternalUsers: rng.chance(0.2),
    },
  };
}

function dlpExchange(ctx: TenantContext, common: CommonFields): AuditRecord {
  const { rng } = ctx;
  const sender = person(ctx);
  const to = [person(ctx).upn];
  if (rng.chance(0.3)) to.push(`partner${rng.between(1, 9)}@external.example`);
  return {
    Id: common.Id,
    CreationTime: common.CreationTime,
    OrganizationId: common.OrganizationId,
    RecordType: 13,
    Operation: 'DLPRuleMatch',
    Version: 1,
    Workload: 'Exchange',
    UserType: 0,
    UserKey: sender.puid,
    UserId: sender.upn,
    ClientIP: clientIp(rng),
    ObjectId: `<${rng.hex8()}${rng.hex8()}@${ctx.domain}>`,
    IncidentId: rng.guid(),
    SensitiveInfoDetectionIsIncluded: false,
    PolicyDetails: policyDetails(ctx),
    ExchangeMetaData: {
      MessageID: `<${rng.hex8()}${rng.hex8()}@${ctx.domain}>`,
      From: sender.upn,
      To: to,
      CC: [],
      BCC: [],
      Subject: rng.pick(MAIL_SUBJECTS),
      Sent: common.CreationTime,
      RecipientCount: to.length,
      UniqueID: rng.guid(),
    },
  };
}

const BUILDERS: Record<ContentType, readonly (readonly [number, RecordBuilder])[]> = {
  'Audit.AzureActiveDirectory': [
    [0.55, (c, f) => stsLogon(c, f, false)],
    [0.25, (c, f) => stsLogon(c, f, true)],
    [0.07, (c, f) => directoryChange(c, f, 'Add user.')],
    [0.08, (c, f) => directoryChange(c, f, 'Update user.')],
    [0.05, (c, f) => directoryChange(c, f, 'Add member to role.')],
  ],
  'Audit.Exchange': [
    [0.08, (c, f) => exchangeAdmin(c, f, 'Set-Mailbox')],
    [0.07, (c, f) => exchangeAdmin(c, f, 'New-InboxRule')],
    [0.35, mailItemsAccessed],
    [0.25, (c, f) => mailboxItem(c, f, 'Send')],
    [0.15, (c, f) => mailboxItem(c, f, 'Create')],
    [0.1, hardDelete],
  ],
  'Audit.SharePoint': [
    [0.2, (c, f) => fileOperation(c, f, 'FileUploaded')],
    [0.35, (c, f) => fileOperation(c, f, 'FileAccessed')],
    [0.2, (c, f) => fileOperation(c, f, 'FileDownloaded')],
    [0.1, (c, f) => fileOperation(c, f, 'FileDeleted')],
    [0.1, (c, f) => sharing(c, f, 'SharingSet')],
    [0.05, (c, f) => sharing(c, f, 'AnonymousLinkCreated')],
  ],
  'Audit.General': [
    [0.2, (c, f) => teams(c, f, 'TeamCreated')],
    [0.35, (c, f) => teams(c, f, 'MemberAdded')],
    [0.35, powerBiView],
    [0.1, securityAlert],
  ],
  'DLP.All': [
    [0.6, dlpSharePoint],
    [0.4, dlpExchange],
  ],
};
