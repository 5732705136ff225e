/**
 * Entra ID (AzureActiveDirectory): STS sign-ins (RecordType 15), legacy account logons (9) and
 * directory changes (8). Directory operation names are sentences ("Add member to group."), so the
 * category comes from the object named in them.
 */
import { Categorization, categorized, conform, setCategorization, verbOf } from '../categorize';
import { addRelatedUser, isGuid, mergeUser, setTargetUser, userFields } from '../common';
import type { EcsEvent, EventType } from '../ecsEvent';
import { enumName, IDENTITY_TYPES } from '../enums';
import { legacySignInResult, SignInResult, stsSignInResult } from '../outcome';
import { asArray, asString, findNameValue, isObject, JsonObject } from '../values';

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

function applySignIn(event: EcsEvent, result: SignInResult, operation: string): void {
  if (result.outcome !== undefined) event.event.outcome = result.outcome;
  if (result.errorCode !== undefined) event.error = { code: result.errorCode };
  if (result.reason !== undefined) event.event.reason = result.reason;
  const ending = /logoff|logout|signout|signedout|loggedout/i.test(operation);
  setCategorization(event, categorized('authentication', ending ? 'end' : 'start'));
}

/** ModifiedProperties values are often JSON-quoted strings (`"\"Finance\""`) or one-element arrays. */
function modifiedValue(record: JsonObject, name: string): string | undefined {
  for (const item of asArray(record.ModifiedProperties) ?? []) {
    if (!isObject(item) || asString(item.Name) !== name) continue;
    for (const raw of [item.NewValue, item.OldValue]) {
      const text = asString(raw);
      if (text === undefined) continue;
      const unquoted = text.replace(/^\[?\s*"?|"?\s*\]?$/g, '').trim();
      if (unquoted !== '') return unquoted;
    }
  }
  return undefined;
}

export function directoryCategorization(operation: string): Categorization {
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
}

export function applyEntra(record: JsonObject, event: EcsEvent, recordType: number | undefined): void {
  const operation = event.event.action ?? '';
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
    applySignIn(event, stsSignInResult(record), operation);
    return;
  }
  if (recordType === 9) {
    const result = legacySignInResult(record);
    // The legacy failure reason sits in ExtendedProperties as "code;NAME;text".
    const loginError = asString(findNameValue(record.ExtendedProperties, 'LoginError'));
    if (result.outcome === 'failure' && loginError !== undefined) result.reason = loginError;
    applySignIn(event, result, operation);
    return;
  }

  const c = directoryCategorization(operation);
  setCategorization(event, c);
  if (!c.category.includes('iam')) return;

  const targets = identities(record.Target);
  const upn = targets.find((t) => t.type === 'UPN');
  if (upn) setTargetUser(event, upn.id);
  else {
    const objectId = asString(record.ObjectId);
    if (objectId !== undefined && userFields(objectId).email !== undefined) setTargetUser(event, objectId);
  }
  const targetGuid = targets.find((t) => t.type !== 'UPN' && isGuid(t.id));
  if (c.type.includes('group')) {
    const groupName = modifiedValue(record, 'Group.DisplayName');
    const groupId = modifiedValue(record, 'Group.ObjectID');
    if (groupName !== undefined || groupId !== undefined) {
      event.group = {};
      if (groupId !== undefined) event.group.id = groupId;
      if (groupName !== undefined) event.group.name = groupName;
    }
  } else if (targetGuid && event.user?.target && event.user.target.id === undefined) {
    event.user.target.id = targetGuid.id;
  }
}
