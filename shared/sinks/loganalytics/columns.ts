/**
 * The columns of the O365Audit_CL table: the ones Sentinel users already query in OfficeActivity,
 * filled the way OfficeActivity fills them (from the original record, names as OfficeActivity spells
 * them), plus the whole ECS event as `EcsEvent`. A query written for OfficeActivity runs on
 * O365Audit_CL with the table name changed (docs/sentinel.md).
 *
 * The same list, name and type, is declared by infra/app/loganalytics/columns.json for the table and
 * the DCR stream; test/infra keeps the two in step.
 */
import { enumName, LOGON_TYPES, USER_TYPES } from '../../normalize/enums';
import { recordTypeName } from '../../normalize/recordTypes';
import { parseUtcTimestamp } from '../../normalize/time';
import { asString, type JsonObject } from '../../normalize/values';

export type ColumnType = 'string' | 'datetime' | 'dynamic';

export interface ColumnSource {
  /** The original record (see originalRecord.ts). */
  record: JsonObject;
  /** The ECS event. */
  ecs: EcsView;
}

/** The few ECS fields columns fall back on when the record lacks them. */
export interface EcsView {
  '@timestamp'?: unknown;
  event?: { id?: unknown; action?: unknown };
  organization?: { id?: unknown; name?: unknown };
  source?: { ip?: unknown };
  user_agent?: { original?: unknown };
}

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  /** Where the value comes from, for docs/sentinel.md. */
  from: string;
  /** undefined leaves the column empty (null in the table). */
  value?: (source: ColumnSource) => unknown;
}

/** The column holding the whole ECS event; its value is the event's JSON, spliced in by the encoder. */
export const ECS_EVENT_COLUMN = 'EcsEvent';

const text = (field: string) => (s: ColumnSource) => asString(s.record[field]);
const firstText =
  (...fields: string[]) =>
  (s: ColumnSource) => {
    for (const f of fields) {
      const v = asString(s.record[f]);
      if (v !== undefined) return v;
    }
    return undefined;
  };

export const O365_AUDIT_COLUMNS: readonly ColumnDefinition[] = [
  {
    name: 'TimeGenerated',
    type: 'datetime',
    from: '`@timestamp` (the record CreationTime, UTC)',
    value: (s) => asString(s.ecs['@timestamp']) ?? parseUtcTimestamp(s.record.CreationTime),
  },
  {
    name: 'OfficeId',
    type: 'string',
    from: 'Id (= `event.id`)',
    value: (s) => asString(s.record.Id) ?? asString(s.ecs.event?.id),
  },
  {
    name: 'Operation',
    type: 'string',
    from: 'Operation',
    value: (s) => asString(s.record.Operation) ?? asString(s.ecs.event?.action),
  },
  { name: 'OfficeWorkload', type: 'string', from: 'Workload', value: text('Workload') },
  {
    name: 'RecordType',
    type: 'string',
    from: 'RecordType, as its name (SharePointFileOperation, ExchangeItem, …)',
    value: (s) => recordTypeName(s.record.RecordType) ?? asString(s.record.RecordType),
  },
  { name: 'ResultStatus', type: 'string', from: 'ResultStatus', value: text('ResultStatus') },
  {
    name: 'UserId',
    type: 'string',
    from: 'UserId, as written (UPN, SID or service name)',
    value: text('UserId'),
  },
  { name: 'UserKey', type: 'string', from: 'UserKey', value: text('UserKey') },
  {
    name: 'UserType',
    type: 'string',
    from: 'UserType, as its name (Regular, Admin, …)',
    value: (s) => enumName(s.record.UserType, USER_TYPES) ?? asString(s.record.UserType),
  },
  {
    name: 'ClientIP',
    type: 'string',
    from: 'ClientIP, else ClientIPAddress (Exchange), else ActorIpAddress (Entra ID), as written (may carry a port)',
    value: (s) => firstText('ClientIP', 'ClientIPAddress', 'ActorIpAddress')(s) ?? asString(s.ecs.source?.ip),
  },
  {
    name: 'UserAgent',
    type: 'string',
    from: 'UserAgent, else `user_agent.original`',
    value: (s) => asString(s.record.UserAgent) ?? asString(s.ecs.user_agent?.original),
  },
  {
    name: 'OrganizationId',
    type: 'string',
    from: 'OrganizationId',
    value: (s) => asString(s.record.OrganizationId) ?? asString(s.ecs.organization?.id),
  },
  {
    name: 'OrganizationName',
    type: 'string',
    from: '`organization.name` (O365_TENANT_NAME / displayName)',
    value: (s) => asString(s.ecs.organization?.name),
  },
  { name: 'OfficeObjectId', type: 'string', from: 'ObjectId', value: text('ObjectId') },
  { name: 'Site_Url', type: 'string', from: 'SiteUrl (SharePoint/OneDrive)', value: text('SiteUrl') },
  { name: 'SourceFileName', type: 'string', from: 'SourceFileName', value: text('SourceFileName') },
  {
    name: 'SourceFileExtension',
    type: 'string',
    from: 'SourceFileExtension',
    value: text('SourceFileExtension'),
  },
  { name: 'SourceRelativeUrl', type: 'string', from: 'SourceRelativeUrl', value: text('SourceRelativeUrl') },
  {
    name: 'TargetUserOrGroupName',
    type: 'string',
    from: 'TargetUserOrGroupName (sharing)',
    value: text('TargetUserOrGroupName'),
  },
  {
    name: 'TargetUserOrGroupType',
    type: 'string',
    from: 'TargetUserOrGroupType (sharing)',
    value: text('TargetUserOrGroupType'),
  },
  {
    name: 'MailboxOwnerUPN',
    type: 'string',
    from: 'MailboxOwnerUPN (Exchange mailbox)',
    value: text('MailboxOwnerUPN'),
  },
  {
    name: 'Logon_Type',
    type: 'string',
    from: 'LogonType, as its name (Owner, Admin, Delegated, …)',
    value: (s) => enumName(s.record.LogonType, LOGON_TYPES) ?? asString(s.record.LogonType),
  },
  {
    name: 'ClientInfoString',
    type: 'string',
    from: 'ClientInfoString (Exchange mailbox)',
    value: text('ClientInfoString'),
  },
  {
    name: 'ExternalAccess',
    type: 'string',
    from: 'ExternalAccess, "true"/"false"',
    value: text('ExternalAccess'),
  },
  {
    name: 'Parameters',
    type: 'string',
    from: 'Parameters (Exchange cmdlets), the JSON text of the original array',
    value: (s) => jsonText(s.record.Parameters),
  },
  { name: 'TeamName', type: 'string', from: 'TeamName (Teams)', value: text('TeamName') },
  { name: 'Members', type: 'dynamic', from: 'Members (Teams)', value: (s) => s.record.Members ?? undefined },
  { name: ECS_EVENT_COLUMN, type: 'dynamic', from: 'the whole ECS event' },
];

/** A value kept as OfficeActivity keeps it: strings as they are, structures as their JSON text. */
function jsonText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
