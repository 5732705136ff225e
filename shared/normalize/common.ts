/**
 * The fields every record gets, whatever its workload: time, identity of the record, tenant, actor,
 * client address, user agent, outcome, data stream, and the record itself (as `o365.audit`), with
 * its exact text (as `event.original`) when PRESERVE_ORIGINAL_EVENT asks for it.
 */
import type { ContentType } from '../contentTypes';
import { rawJsonTextOf } from '../rawJson';
import { auditRecord } from './auditRecord';
import { DEFAULT_CATEGORIZATION } from './categorize';
import {
  DATA_STREAM_TYPE,
  DATASET,
  DEFAULT_NAMESPACE,
  ECS_VERSION,
  EcsEvent,
  EcsUserFields,
} from './ecsEvent';
import { enumName, USER_TYPES } from './enums';
import { ClientAddress, parseClientAddress } from './ip';
import { recordOutcome } from './outcome';
import { recordTypeName } from './recordTypes';
import { parseUtcTimestamp } from './time';
import { memoize } from './memo';
import { asString, isEmailDomain, isObject, JsonObject, splitAtDomain } from './values';

export interface NormalizeContext {
  /** The tenant the blob was fetched for; used when a record has no OrganizationId. */
  tenantId?: string;
  /** Display name of the tenant, carried as `organization.name`. */
  tenantName?: string;
  contentType?: ContentType;
  contentId?: string;
  /** `data_stream.namespace` (setting DATA_STREAM_NAMESPACE); default `default`. */
  dataStreamNamespace?: string;
  /**
   * Whether `event.original` carries the record's exact text (setting PRESERVE_ORIGINAL_EVENT).
   * Off by default, as in Elastic's Office 365 integration (`preserve_original_event`): it makes an
   * event about half as large again, and `o365.audit` already holds every field of the record.
   */
  preserveOriginal?: boolean;
  /**
   * The name of a DLP sensitive information type from its GUID, as the tenant's
   * `resources/dlpSensitiveTypes` lists it; looked up by the caller, so no I/O happens here.
   */
  sensitiveTypeName?: (id: string) => string | undefined;
}

const SID = /^S-\d-\d+(-\d+)*$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return value.length === 36 && GUID.test(value);
}

export function isSid(value: string): boolean {
  return value.length <= 256 && SID.test(value);
}

type Identity = Readonly<Pick<EcsUserFields, 'name' | 'domain' | 'email'>>;

/** What an identifier says about a user; remembered per identifier, since users repeat endlessly. */
const identityOf = memoize((value): Identity => {
  const parts = splitAtDomain(value);
  if (parts) {
    return isEmailDomain(parts.domain)
      ? { email: value, name: parts.name, domain: parts.domain }
      : { name: parts.name, domain: parts.domain };
  }
  const slash = value.indexOf('\\');
  if (slash > 0 && slash < value.length - 1)
    return { name: value.slice(slash + 1), domain: value.slice(0, slash) };
  return isSid(value) || isGuid(value) ? {} : { name: value };
});

/**
 * A user from an identifier: `name@domain` gives name and domain (and email when it is an
 * address); `DOMAIN\user` gives name and domain; SIDs and GUIDs stay ids only, since they are not
 * names a person searches for.
 */
export function userFields(value: string, id?: string): EcsUserFields {
  const identity = identityOf(value);
  const user: EcsUserFields = {};
  if (id !== undefined) user.id = id;
  if (identity.email !== undefined) user.email = identity.email;
  if (identity.name !== undefined) user.name = identity.name;
  if (identity.domain !== undefined) user.domain = identity.domain;
  return user;
}

export function addRelatedUser(event: EcsEvent, value: string | undefined): void {
  if (value === undefined) return;
  const related = (event.related ??= {});
  const users = (related.user ??= []);
  if (!users.includes(value)) users.push(value);
}

export function addRelatedIp(event: EcsEvent, ip: string): void {
  const related = (event.related ??= {});
  const ips = (related.ip ??= []);
  if (!ips.includes(ip)) ips.push(ip);
}

/** Fills user.* (or user.target.*) fields that are still empty, so the first source wins. */
export function mergeUser(target: EcsUserFields, extra: EcsUserFields): void {
  if (target.id === undefined && extra.id !== undefined) target.id = extra.id;
  if (target.name === undefined && extra.name !== undefined) target.name = extra.name;
  if (target.email === undefined && extra.email !== undefined) target.email = extra.email;
  if (target.domain === undefined && extra.domain !== undefined) target.domain = extra.domain;
  if (target.full_name === undefined && extra.full_name !== undefined) target.full_name = extra.full_name;
}

/**
 * The person who acted, when the record's UserId names an agent or a system account rather than
 * them (DLP, system processes on a mailbox, alerts): their name, domain and email replace the ones
 * read from UserId. `user.id` stays the record's UserId, which `o365.audit.UserId` also keeps.
 */
export function setActor(event: EcsEvent, value: string | undefined): void {
  if (value === undefined) return;
  const fields = userFields(value);
  if (fields.name === undefined || fields.domain === undefined) return;
  const user = (event.user ??= {});
  user.name = fields.name;
  user.domain = fields.domain;
  if (fields.email === undefined) delete user.email;
  else user.email = fields.email;
  addRelatedUser(event, value);
}

export function setTargetUser(event: EcsEvent, value: string | undefined): void {
  if (value === undefined) return;
  const user = (event.user ??= {});
  const target = (user.target ??= {});
  mergeUser(target, userFields(value));
  if (target.id === undefined && (isGuid(value) || isSid(value))) target.id = value;
  addRelatedUser(event, value);
}

/** ClientIP, then Exchange's ClientIPAddress, then Entra's ActorIpAddress: the first valid one. */
const ADDRESS_FIELDS = ['ClientIP', 'ClientIPAddress', 'ActorIpAddress'] as const;

function clientAddress(record: JsonObject, event: EcsEvent): ClientAddress | undefined {
  let first: ClientAddress | undefined;
  for (const field of ADDRESS_FIELDS) {
    const parsed = parseClientAddress(record[field]);
    if (!parsed) continue;
    first ??= parsed;
    addRelatedIp(event, parsed.ip);
  }
  return first;
}

/** The user agent: UserAgent, else the one Entra puts among ExtendedProperties (any case). */
function userAgentOf(record: JsonObject, audit: JsonObject): string | undefined {
  const direct = asString(record.UserAgent);
  if (direct !== undefined) return direct;
  const extended = audit.ExtendedProperties;
  if (!isObject(extended)) return undefined;
  const exact = asString(extended.UserAgent);
  if (exact !== undefined) return exact;
  for (const key of Object.keys(extended)) {
    if (key.toLowerCase() === 'useragent') return asString(extended[key]);
  }
  return undefined;
}

/**
 * The record's exact text when it arrived as part of a content blob; otherwise (CLI, tests) the
 * record serialized. Throws only for a record JSON cannot write (nested too deep).
 */
function originalText(record: JsonObject): string {
  return rawJsonTextOf(record) ?? JSON.stringify(record);
}

export function buildCommonEvent(
  record: JsonObject,
  id: string,
  context: NormalizeContext,
  recordType: number | undefined,
): EcsEvent {
  const audit = auditRecord(record);
  const decision = recordOutcome(record, recordType);
  // Every key is present from the start, in output order (undefined is left out of the JSON): the
  // events share one shape, and o365, the largest part, comes last.
  const event: EcsEvent = {
    '@timestamp': parseUtcTimestamp(record.CreationTime),
    ecs: { version: ECS_VERSION },
    data_stream: {
      type: DATA_STREAM_TYPE,
      dataset: DATASET,
      namespace: context.dataStreamNamespace ?? DEFAULT_NAMESPACE,
    },
    event: {
      id,
      kind: DEFAULT_CATEGORIZATION.kind,
      category: [...DEFAULT_CATEGORIZATION.category],
      type: [...DEFAULT_CATEGORIZATION.type],
      action: asString(record.Operation),
      code: recordTypeName(record.RecordType),
      provider: asString(record.Workload),
      outcome: decision.outcome,
      reason: decision.reason,
      severity: undefined,
      dataset: DATASET,
      module: 'o365',
      original: context.preserveOriginal === true ? originalText(record) : undefined,
    },
    message: undefined,
    organization: undefined,
    user: undefined,
    group: undefined,
    source: undefined,
    client: undefined,
    server: undefined,
    host: undefined,
    url: undefined,
    file: undefined,
    email: undefined,
    rule: undefined,
    user_agent: undefined,
    error: decision.errorCode === undefined ? undefined : { code: decision.errorCode },
    related: undefined,
    o365: {
      audit,
      content_type: context.contentType,
      content_id: context.contentId,
      user_type: enumName(record.UserType, USER_TYPES),
    },
  };

  const orgId = asString(record.OrganizationId)?.toLowerCase() ?? context.tenantId?.toLowerCase();
  const orgName = context.tenantName ?? asString(record.OrganizationName);
  if (orgId !== undefined || orgName !== undefined) {
    event.organization = {};
    if (orgId !== undefined) event.organization.id = orgId;
    if (orgName !== undefined) event.organization.name = orgName;
  }

  const userId = asString(record.UserId);
  if (userId !== undefined) {
    event.user = userFields(userId, userId);
    addRelatedUser(event, userId);
  }

  const address = clientAddress(record, event);
  if (address) {
    event.source =
      address.port === undefined
        ? { ip: address.ip, address: address.ip }
        : { ip: address.ip, port: address.port, address: address.ip };
    event.client =
      address.port === undefined
        ? { ip: address.ip, address: address.ip }
        : { ip: address.ip, port: address.port, address: address.ip };
  }

  const agent = userAgentOf(record, audit);
  if (agent !== undefined) event.user_agent = { original: agent };
  return event;
}
