/**
 * Microsoft Teams (RecordType 25): team and channel lifecycle, membership, sessions. Messages and
 * meetings stay generic activity.
 */
import {
  byOperationName,
  Categorization,
  categorized,
  conform,
  verbOf,
  setCategorization,
} from '../categorize';
import { setTargetUser } from '../common';
import type { EcsEvent } from '../ecsEvent';
import { asArray, asString, isObject, JsonObject } from '../values';

export const teamsCategorization = byOperationName((operation: string): Categorization => {
  const op = operation.toLowerCase();
  if (op === 'teamssessionstarted') return categorized('authentication', 'start');
  if (op === 'teamcreated') return categorized('iam', 'group', 'creation');
  if (op === 'teamdeleted') return categorized('iam', 'group', 'deletion');
  if (/^member(s)?(added|removed|rolechanged)/.test(op)) return categorized('iam', 'group', 'change');
  if (/^(channel|team|tab|connector|bot|app)/.test(op)) {
    return conform({ kind: 'event', category: ['configuration'], type: [verbOf(op)] });
  }
  return categorized('web', 'info');
});

export function applyTeams(record: JsonObject, event: EcsEvent): void {
  const c = teamsCategorization(event.event.action ?? '');
  setCategorization(event, c);
  const team = asString(record.TeamName);
  const teamId = asString(record.TeamGuid);
  if (team !== undefined || teamId !== undefined) {
    event.group = {};
    if (teamId !== undefined) event.group.id = teamId;
    if (team !== undefined) event.group.name = team;
  }
  for (const member of asArray(record.Members) ?? []) {
    if (isObject(member)) setTargetUser(event, asString(member.UPN));
  }
}
