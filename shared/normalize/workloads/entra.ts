/**
 * Entra ID (AzureActiveDirectory): STS sign-ins (RecordType 15), legacy account logons (9) and
 * directory changes (8). Directory operation names are sentences ("Add member to group."), so the
 * category comes from the object named in them.
 */
import {
  byOperationName,
  Categorization,
  categorized,
  conform,
  operationName,
  setCategorization,
  verbOf,
} from '../categorize';
import { addRelatedUser, mergeUser, setTargetUser, userFields } from '../common';
import type { EcsEvent, EventType } from '../ecsEvent';
import { enumName, IDENTITY_TYPES } from '../enums';
import { asArray, asString, isObject, JsonObject } from '../values';

interface Identity {
  id: string;
  type?: string;
}

function identities(value: unknown): Identity[] {
  const out: Identity[] = [];
  for (const item of asArray(value) ?? []) {
    if (!isObject(item)) continue;
    const id = asString(item.ID ?? item.Id);
    if (id !== undefined) out.push({ id, type: enumName(item.Type, IDENTITY_TYPES) });
  }
  return out;
}

/** The outcome (and its error code and reason) is the common rule table's; only the category is set here. */
function applySignIn(event: EcsEvent, operation: string): void {
  const ending = /logoff|logout|signout|signedout|loggedout/i.test(operation);
  setCategorization(event, categorized('authentication', ending ? 'end' : 'start'));
}

/**
 * `["Finance"]`, `"\"Finance\""` or `[ "Finance" ]` as `Finance`: one optional bracket and one
 * optional quote on each side, with blanks, removed by index (a pattern here backtracks badly on
 * long blank runs).
 */
export function unwrapValue(text: string): string {
  let start = 0;
  let end = text.length;
  const blank = (i: number) => text.charCodeAt(i) <= 32;
  while (start < end && blank(start)) start++;
  if (text[start] === '[') start++;
  while (start < end && blank(start)) start++;
  if (text[start] === '"') start++;
  while (end > start && blank(end - 1)) end--;
  if (text[end - 1] === ']') end--;
  while (end > start && blank(end - 1)) end--;
  if (end > start && text[end - 1] === '"') end--;
  return text.slice(start, end).trim();
}

/** ModifiedProperties values are often JSON-quoted strings (`"\"Finance\""`) or one-element arrays. */
function modifiedValue(record: JsonObject, name: string): string | undefined {
  for (const item of asArray(record.ModifiedProperties) ?? []) {
    if (!isObject(item) || asString(item.Name) !== name) continue;
    for (const raw of [item.NewValue, item.OldValue]) {
      const text = asString(raw);
      if (text === undefined) continue;
      const unquoted = unwrapValue(text);
      if (unquoted !== '') return unquoted;
    }
  }
  return undefined;
}

export const directoryCategorization = byOperationName((operation: string): Categorization => {
  const op = operation.toLowerCase();
  const verb = verbOf(op);
  const iamVerb: EventType = verb === 'access' ? 'info' : verb;
  if (/member (to|from) role|eligible member|role assignment|to role|from role/.test(op)) {
    return categorized('iam', 'admin', 'change');
  }
  if (/(member|owner) (to|from) group/.test(op)) return categorized('iam', 'group', 'change');
  if (/consent|permission grant|app role assignment|delegated permission/.test(op)) {
    return categorized('iam', 'change');
  }
  if (/\buser\b|password|account/.test(op)) return categorized('iam', 'user', iamVerb);
  if (/\bgroup\b/.test(op)) return categorized('iam', 'group', iamVerb);
  return conform({ kind: 'event', category: ['configuration'], type: [verb] });
});

export function applyEntra(record: JsonObject, event: EcsEvent, recordType: number | undefined): void {
  const operation = operationName(event.event.action);
  const actors = identities(record.Actor);
  const user = (event.user ??= {});
  for (const actor of actors) {
    if (actor.type === 'UPN') {
      mergeUser(user, userFields(actor.id));
      addRelatedUser(event, actor.id);
    }
  }
  if (user.id === undefined) {
    const first = actors.find((a) => a.type === 'UPN') ?? actors[0];
    if (first) user.id = first.id;
  }

  const signInOp = /^user(loggedin|loginfailed|loggedout)$/i.test(operation);
  if (recordType === 15 || (recordType === undefined && signInOp)) {
    applySignIn(event, operation);
    return;
  }
  if (recordType === 9) {
    // The legacy failure reason sits in ExtendedProperties as "code;NAME;text".
    const extended = event.o365.audit.ExtendedProperties;
    const loginError = isObject(extended) ? asString(extended.LoginError) : undefined;
    if (event.event.outcome === 'failure' && event.event.reason === undefined && loginError !== undefined) {
      event.event.reason = loginError;
    }
    applySignIn(event, operation);
    return;
  }

  const c = directoryCategorization(operation);
  setCategorization(event, c);

  // The object of a directory change is its ObjectId (the reference mapping's user.target.id); a
  // name@domain there, or a UPN among the targets, also names the target user.
  const objectId = asString(record.ObjectId);
  const targets = identities(record.Target);
  const upn = targets.find((t) => t.type === 'UPN');
  if (objectId !== undefined) {
    const target = ((event.user ??= {}).target ??= {});
    target.id = objectId;
    if (userFields(objectId).domain !== undefined) setTargetUser(event, objectId);
  }
  if (upn) setTargetUser(event, upn.id);
  if (c.type.includes('group')) {
    const groupName = modifiedValue(record, 'Group.DisplayName');
    const groupId = modifiedValue(record, 'Group.ObjectID');
    if (groupName !== undefined || groupId !== undefined) {
      event.group = {};
      if (groupId !== undefined) event.group.id = groupId;
      if (groupName !== undefined) event.group.name = groupName;
    }
  }
}
