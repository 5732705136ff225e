/**
 * Security alerts (SecurityComplianceAlerts 40, WDATPAlerts 78, MCASAlerts 98, Purview insider-risk
 * alerts 307): the alert policy becomes `rule.*`, the event an `alert`. `Data` carries the alert's
 * details as a string of JSON (an object under `o365.audit.Data`); UserId names the alerting
 * service, so the person is read from Data (`suid`, `f3u`, or `eid` of a User entity) or from the
 * alerted entity (AlertEntityId of a User, Sender or Recipients entity).
 */
import { Categorization, categorized, operationName, setCategorization } from '../categorize';
import { addRelatedUser, setActor } from '../common';
import type { EcsEvent } from '../ecsEvent';
import { asString, isEmailAddress, isObject, JsonObject } from '../values';
import { severityLevel } from './dlp';

export const ALERT_RECORD_TYPES: ReadonlySet<number> = new Set([40, 78, 98, 307]);

export function alertCategorization(category: string | undefined): Categorization {
  const c = operationName(category).toLowerCase();
  let result: Categorization;
  if (c === 'threatmanagement') result = categorized('malware', 'info');
  else if (/dataloss|datagovernance|informationgovernance|informationprotection/.test(c))
    result = categorized('file', 'info');
  else if (/access|permission|mailflow/.test(c)) result = categorized('iam', 'info');
  else result = categorized('intrusion_detection', 'info');
  return { ...result, kind: 'alert' };
}

export function applyAlert(record: JsonObject, event: EcsEvent): void {
  const category = asString(record.Category);
  const c = alertCategorization(category);
  setCategorization(event, c);

  const rule: NonNullable<EcsEvent['rule']> = {};
  const name = asString(record.Name) ?? asString(record.AlertType);
  const policyId = asString(record.PolicyId);
  if (name !== undefined) rule.name = name;
  if (policyId !== undefined) rule.id = policyId;
  if (category !== undefined) rule.category = category;
  const description = asString(record.Description);
  if (description !== undefined) rule.description = description;
  if (Object.keys(rule).length > 0) event.rule = rule;

  const level = severityLevel(asString(record.Severity));
  if (level !== undefined) event.event.severity = level;
  const comments = asString(record.Comments);
  if (comments !== undefined) event.message = comments;

  const alert: NonNullable<EcsEvent['o365']['alert']> = {};
  const fields = [
    ['id', 'AlertId'],
    ['type', 'AlertType'],
    ['status', 'Status'],
    ['source', 'Source'],
    ['entity_type', 'EntityType'],
    ['entity_id', 'AlertEntityId'],
  ] as const;
  for (const [key, field] of fields) {
    const v = asString(record[field]);
    if (v !== undefined) alert[key] = v;
  }
  event.o365.alert = alert;
  if (alert.entity_id !== undefined && isEmailAddress(alert.entity_id))
    addRelatedUser(event, alert.entity_id);
  setActor(event, alertUser(record, event.o365.audit.Data));
}

/** The first `name@domain` of a value such as "a@x.com, b@x.com" or "a@x.com (external)". */
function firstUserIn(value: unknown): string | undefined {
  const text = asString(value);
  if (text === undefined) return undefined;
  let end = 0;
  while (end < text.length && end < 512 && !' ,;()'.includes(text[end])) end++;
  const first = text.slice(0, end);
  return first.includes('@') ? first : undefined;
}

const USER_ENTITY_TYPES = new Set(['user', 'sender', 'recipients']);

function alertUser(record: JsonObject, data: unknown): string | undefined {
  if (isObject(data)) {
    const fromData =
      firstUserIn(data.suid) ??
      firstUserIn(data.f3u) ??
      (asString(data.etype)?.toLowerCase() === 'user' ? firstUserIn(data.eid) : undefined);
    if (fromData !== undefined) return fromData;
  }
  const entityType = asString(record.EntityType)?.toLowerCase();
  return entityType !== undefined && USER_ENTITY_TYPES.has(entityType)
    ? firstUserIn(record.AlertEntityId)
    : undefined;
}
