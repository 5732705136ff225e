/**
 * Management Activity API record in, ECS event out. Pure: no I/O, no clock, no configuration read.
 * A record that cannot become an event (not an object, no Id) is rejected with a reason; nothing
 * here throws, so one odd record never loses the rest of its content blob.
 */
import { setCategorization } from './categorize';
import { addRelatedUser, buildCommonEvent, NormalizeContext } from './common';
import type { EcsEvent } from './ecsEvent';
import { recordTypeNumber } from './recordTypes';
import { asString, isObject, JsonObject } from './values';
import { ALERT_RECORD_TYPES, applyAlert } from './workloads/alerts';
import { applyDlp, isDlpRecord } from './workloads/dlp';
import { applyEntra } from './workloads/entra';
import { applyExchange } from './workloads/exchange';
import { applySharePoint } from './workloads/sharepoint';
import { applyTeams } from './workloads/teams';

export type { NormalizeContext } from './common';
export type { EcsEvent } from './ecsEvent';
export { ECS_VERSION, DATASET, DEFAULT_NAMESPACE } from './ecsEvent';
export { RECORD_TYPE_NAMES, recordTypeName } from './recordTypes';
export { parseClientAddress } from './ip';

export type NormalizeResult = { ok: true; event: EcsEvent } | { ok: false; reason: string };

const SHAREPOINT_RECORD_TYPES: ReadonlySet<number> = new Set([4, 6, 7, 14, 36, 37, 54, 55, 56]);
const EXCHANGE_RECORD_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 18, 19, 50]);
const ENTRA_RECORD_TYPES: ReadonlySet<number> = new Set([8, 9, 15]);

type WorkloadMapper = (
  record: JsonObject,
  event: EcsEvent,
  recordType: number | undefined,
  context: NormalizeContext,
) => void;

/** Which mapper a record gets: by RecordType first (it is exact), by Workload when it is unknown. */
function mapperFor(record: JsonObject, recordType: number | undefined): WorkloadMapper | undefined {
  if (isDlpRecord(record, recordType)) return applyDlp;
  if (recordType !== undefined) {
    if (ALERT_RECORD_TYPES.has(recordType)) return applyAlert;
    if (ENTRA_RECORD_TYPES.has(recordType)) return applyEntra;
    if (EXCHANGE_RECORD_TYPES.has(recordType)) return applyExchange;
    if (SHAREPOINT_RECORD_TYPES.has(recordType)) return applySharePoint;
    if (recordType === 25) return applyTeams;
  }
  switch (asString(record.Workload)?.toLowerCase()) {
    case 'azureactivedirectory':
      return applyEntra;
    case 'exchange':
      return applyExchange;
    case 'sharepoint':
    case 'onedrive':
      return applySharePoint;
    case 'microsoftteams':
      return applyTeams;
    default:
      return undefined;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

const PRUNABLE = ['user', 'email', 'file', 'rule', 'group', 'url', 'related'] as const;

function isEmpty(value: object): boolean {
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key)) return false;
  return true;
}

/** Drops containers a mapper opened but did not fill, so no event carries `{}`. */
function prune(event: EcsEvent): void {
  for (const key of PRUNABLE) {
    const value = event[key];
    // Assigning undefined instead of `delete` keeps the object in V8's fast mode, which makes
    // JSON.stringify (run once per event downstream) markedly faster; JSON drops undefined anyway.
    if (value !== undefined && isEmpty(value)) event[key] = undefined;
  }
  if (event.user?.target && isEmpty(event.user.target)) event.user.target = undefined;
}

/** related.user also holds the short names, as the reference mapping has them. */
function addRelatedNames(event: EcsEvent): void {
  const user = event.user;
  if (user === undefined) return;
  addRelatedUser(event, user.email);
  addRelatedUser(event, user.name);
  addRelatedUser(event, user.target?.name);
}

export function normalizeRecord(record: unknown, context: NormalizeContext = {}): NormalizeResult {
  if (!isObject(record)) return { ok: false, reason: `record is ${describe(record)}, not a JSON object` };
  const id = asString(record.Id);
  if (id === undefined) return { ok: false, reason: 'record has no Id' };

  const recordType = recordTypeNumber(record.RecordType);
  let event: EcsEvent;
  try {
    event = buildCommonEvent(record, id, context, recordType);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      reason:
        e instanceof RangeError
          ? `record ${id} cannot be written as JSON: ${message}`
          : `record ${id} could not be read: ${message}`,
    };
  }
  try {
    mapperFor(record, recordType)?.(record, event, recordType, context);
  } catch (e) {
    // A workload mapping bug must not lose the record: the common fields and the original stay.
    setCategorization(event, { kind: 'event', category: [], type: ['info'] });
    event.o365.normalize_error = e instanceof Error ? e.message : String(e);
  }
  try {
    addRelatedNames(event);
    prune(event);
  } catch {
    // both only add names or drop empty containers; nothing to recover
  }
  return { ok: true, event };
}
