/**
 * The fields every record gets, whatever its workload: time, identity of the record, tenant, actor,
 * client address, user agent, and the Name/Value lists turned into objects.
 */
import type { ContentType } from '../contentTypes';
import { DEFAULT_CATEGORIZATION } from './categorize';
import { ECS_VERSION, EcsEvent, EcsUserFields } from './ecsEvent';
import { enumName, USER_TYPES } from './enums';
import { ClientAddress, parseClientAddress } from './ip';
import { outcomeFromResultStatus } from './outcome';
import { recordTypeName } from './recordTypes';
import { parseUtcTimestamp } from './time';
import {
  asArray,
  asString,
  findNameValue,
  isObject,
  JsonObject,
  nameValueObject,
  safeKey,
  setOwn,
  splitAddress,
} from './values';

export interface NormalizeContext {
  /** The tenant the blob was fetched for; used when a record has no OrganizationId. */
  tenantId?: string;
  /** Display name of the tenant, carried as `organization.name`. */
  tenantName?: string;
  contentType?: ContentType;
  contentId?: string;
}

const SID = /^S-\d-\d+(-\d+)*$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * A user from an identifier: a UPN/address gives email, name and domain; `DOMAIN\user` gives name
 * and domain; SIDs and GUIDs stay ids only, since they are not names a person searches for.
 */
export function userFields(value: string, id?: string): EcsUserFields {
  const user: EcsUserFields = {};
  if (id !== undefined) user.id = id;
  const address = value.includes('@') ? splitAddress(value) : undefined;
  if (address) {
    user.email = value;
    user.name = address.name;
    user.domain = address.domain;
    return user;
  }
  const slash = value.indexOf('\\');
  if (slash > 0 && slash < value.length - 1) {
    user.name = value.slice(slash + 1);
    user.domain = value.slice(0, slash);
  } else if (!SID.test(value) && !GUID.test(value)) {
    user.name = value;
  }
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

export function setTargetUser(event: EcsEvent, value: string | undefined): void {
  if (value === undefined) return;
  const user = (event.user ??= {});
  const target = (user.target ??= {});
  mergeUser(target, userFields(value));
  if (target.id === undefined && (GUID.test(value) || SID.test(value))) target.id = value;
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

/**
 * `[{Name, OldValue, NewValue}]` as `{Name: {OldValue, NewValue}}`. Exchange item records list
 * only the names of changed properties (plain strings); those become empty entries.
 */
export function modifiedPropertiesObject(
  value: unknown,
): Record<string, { OldValue?: unknown; NewValue?: unknown }> | undefined {
  const list = asArray(value);
  if (!list || list.length === 0) return undefined;
  const out: Record<string, { OldValue?: unknown; NewValue?: unknown }> = {};
  let any = false;
  for (const item of list) {
    if (typeof item === 'string' && item.trim() !== '') {
      setOwn(out, safeKey(item.trim()), {});
      any = true;
    } else if (isObject(item)) {
      const name = asString(item.Name);
      if (name === undefined) continue;
      const entry: { OldValue?: unknown; NewValue?: unknown } = {};
      if (item.OldValue !== undefined) entry.OldValue = item.OldValue;
      if (item.NewValue !== undefined) entry.NewValue = item.NewValue;
      setOwn(out, safeKey(name), entry);
      any = true;
    }
  }
  return any ? out : undefined;
}

export function buildCommonEvent(record: JsonObject, id: string, context: NormalizeContext): EcsEvent {
  const event: EcsEvent = {
    ecs: { version: ECS_VERSION },
    event: {
      id,
      kind: DEFAULT_CATEGORIZATION.kind,
      category: [...DEFAULT_CATEGORIZATION.category],
      type: [...DEFAULT_CATEGORIZATION.type],
      outcome: outcomeFromResultStatus(record.ResultStatus) ?? 'unknown',
      dataset: 'o365.audit',
      module: 'o365',
    },
    o365: { audit: record },
  };

  const timestamp = parseUtcTimestamp(record.CreationTime);
  if (timestamp !== undefined) event['@timestamp'] = timestamp;

  const action = asString(record.Operation);
  if (action !== undefined) event.event.action = action;
  const provider = asString(record.Workload);
  if (provider !== undefined) event.event.provider = provider;
  const code = recordTypeName(record.RecordType);
  if (code !== undefined) event.event.code = code;

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
    const endpoint =
      address.port === undefined
        ? { ip: address.ip, address: address.ip }
        : { ip: address.ip, port: address.port, address: address.ip };
    event.source = endpoint;
    event.client =
      address.port === undefined
        ? { ip: address.ip, address: address.ip }
        : { ip: address.ip, port: address.port, address: address.ip };
  }

  const extended = nameValueObject(record.ExtendedProperties);
  if (extended) event.o365.extended_properties = extended;
  const parameters = nameValueObject(record.Parameters);
  if (parameters) event.o365.parameters = parameters;
  const modified = modifiedPropertiesObject(record.ModifiedProperties);
  if (modified) event.o365.modified_properties = modified;

  const agent =
    asString(record.UserAgent) ??
    (extended
      ? (asString(extended.UserAgent) ?? asString(findNameValue(record.ExtendedProperties, 'useragent')))
      : undefined);
  if (agent !== undefined) event.user_agent = { original: agent };

  const userType = enumName(record.UserType, USER_TYPES);
  if (userType !== undefined) event.o365.user_type = userType;
  if (context.contentType !== undefined) event.o365.content_type = context.contentType;
  if (context.contentId !== undefined) event.o365.content_id = context.contentId;
  return event;
}
