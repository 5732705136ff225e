/**
 * Data loss prevention (DLP.All: RecordTypes 11, 13, 33, 63, 99, 100, 107). A rule match is an
 * alert; the rules that matched become `rule.*`, the highest rule severity `event.severity`. The
 * outcome is success (the detection happened, see outcome.ts); whether the activity was blocked,
 * by a block the user did not override, is `o365.dlp.blocked`. The person is the sender or file
 * author in the metadata, since UserId names the DLP agent. Sensitive information types arrive as
 * GUIDs and are named from the tenant's list (NormalizeContext.sensitiveTypeName).
 * The schema documents `DlpRuleMatch` but records say `DLPRuleMatch`, so names compare ignoring case.
 */
import { categorized, setCategorization } from '../categorize';
import { addRelatedUser, NormalizeContext, setActor } from '../common';
import type { EcsEvent } from '../ecsEvent';
import { asArray, asObject, asString, asStringList, isObject, JsonObject } from '../values';

export const DLP_RECORD_TYPES: ReadonlySet<number> = new Set([11, 13, 33, 63, 99, 100, 107]);

/** Severity names of DLP rules and alerts, as ECS `event.severity` numbers (higher is worse). */
export const SEVERITY_LEVELS: Readonly<Record<string, number>> = {
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

export function severityLevel(name: string | undefined): number | undefined {
  if (name === undefined) return undefined;
  const key = name.toLowerCase();
  return Object.hasOwn(SEVERITY_LEVELS, key) ? SEVERITY_LEVELS[key] : undefined;
}

export function isDlpRecord(record: JsonObject, recordType: number | undefined): boolean {
  if (recordType !== undefined && DLP_RECORD_TYPES.has(recordType)) return true;
  if (record.PolicyDetails === undefined) return false;
  return asString(record.Operation)?.toLowerCase().startsWith('dlp') ?? false;
}

interface RuleSummary {
  ruleIds: string[];
  ruleNames: string[];
  policyNames: string[];
  policyIds: string[];
  actions: string[];
  /** Names given in the record (SensitiveInformationTypeName), by GUID. */
  sensitiveTypes: Map<string, string | undefined>;
  severity?: string;
  blocked: boolean;
}

function pushUnique(list: string[], value: string | undefined): void {
  if (value !== undefined && !list.includes(value)) list.push(value);
}

export function summarizePolicies(policyDetails: unknown): RuleSummary {
  const s: RuleSummary = {
    ruleIds: [],
    ruleNames: [],
    policyNames: [],
    policyIds: [],
    actions: [],
    sensitiveTypes: new Map(),
    blocked: false,
  };
  let worst = 0;
  for (const policy of asArray(policyDetails) ?? []) {
    if (!isObject(policy)) continue;
    pushUnique(s.policyNames, asString(policy.PolicyName));
    pushUnique(s.policyIds, asString(policy.PolicyId));
    for (const rule of asArray(policy.Rules) ?? []) {
      if (!isObject(rule)) continue;
      pushUnique(s.ruleIds, asString(rule.RuleId));
      pushUnique(s.ruleNames, asString(rule.RuleName));
      const severity = asString(rule.Severity);
      const level = severityLevel(severity) ?? 0;
      if (level > worst) {
        worst = level;
        s.severity = severity;
      }
      const overridden = asStringList(rule.OverriddenActions).map((a) => a.toLowerCase());
      for (const action of asStringList(rule.Actions)) {
        pushUnique(s.actions, action);
        // BlockAccess, BlockAccessExternal, ...; an overridden block let the activity through.
        if (/^block/i.test(action) && !overridden.includes(action.toLowerCase())) s.blocked = true;
      }
      const conditions = asObject(rule.ConditionsMatched);
      for (const info of asArray(conditions?.SensitiveInformation) ?? []) {
        if (!isObject(info)) continue;
        const id = asString(info.SensitiveType);
        const name = asString(info.SensitiveInformationTypeName);
        const key = id ?? name;
        if (key !== undefined && s.sensitiveTypes.get(key) === undefined) s.sensitiveTypes.set(key, name);
      }
    }
  }
  return s;
}

function oneOrMany(list: string[]): string | string[] {
  return list.length === 1 ? list[0] : list;
}

function addresses(value: unknown): string[] {
  return asStringList(value)
    .flatMap((v) => v.split(/[;,]/).map((p) => p.trim()))
    .filter((p) => p !== '');
}

/** The names and GUIDs of the matched sensitive information types, names from the record or the tenant's list. */
function sensitiveTypes(
  found: Map<string, string | undefined>,
  context: NormalizeContext,
): { names: string[]; ids: string[] } {
  const names: string[] = [];
  const ids: string[] = [];
  for (const [key, given] of found) {
    let name = given;
    if (name === undefined) {
      try {
        name = context.sensitiveTypeName?.(key.toLowerCase());
      } catch {
        name = undefined;
      }
    }
    pushUnique(names, name ?? key);
    if (name !== key) pushUnique(ids, key);
  }
  return { names, ids };
}

/** DLPAgent, DlpAgent, DlpPolicyEventBasedAssistantOneDriveForBusiness...: the agent, not a person. */
function isDlpAgent(userId: string | undefined): boolean {
  return userId === undefined || userId.toLowerCase().startsWith('dlp');
}

export function applyDlp(
  record: JsonObject,
  event: EcsEvent,
  _recordType: number | undefined,
  context: NormalizeContext,
): void {
  const op = (event.event.action ?? '').toLowerCase();
  const summary = summarizePolicies(record.PolicyDetails);
  const exchange = asObject(record.ExchangeMetaData);
  const sharePoint = asObject(record.SharePointMetaData);
  const endpoint = asObject(record.EndpointMetaData);

  const isExchange = exchange !== undefined || (event.event.provider ?? '').toLowerCase() === 'exchange';
  setCategorization(event, {
    ...(isExchange ? categorized('email', 'info') : categorized('file', 'access')),
    kind: op === 'dlprulematch' ? 'alert' : 'event',
  });

  if (summary.ruleIds.length > 0) (event.rule ??= {}).id = oneOrMany(summary.ruleIds);
  if (summary.ruleNames.length > 0) (event.rule ??= {}).name = oneOrMany(summary.ruleNames);
  if (summary.policyNames.length > 0) (event.rule ??= {}).ruleset = oneOrMany(summary.policyNames);
  const level = severityLevel(summary.severity);
  if (level !== undefined) event.event.severity = level;

  // A user's justification (ExceptionInfo) or an undo means the blocked activity went ahead.
  const exception = asObject(record.ExceptionInfo);
  const overridden = exception !== undefined && Object.keys(exception).length > 0;
  const dlp: NonNullable<EcsEvent['o365']['dlp']> = {
    blocked: summary.blocked && !overridden && op !== 'dlpruleundo',
  };
  if (summary.severity !== undefined) dlp.severity = summary.severity;
  if (summary.actions.length > 0) dlp.actions = summary.actions;
  if (summary.policyIds.length > 0) dlp.policy_ids = summary.policyIds;
  const types = sensitiveTypes(summary.sensitiveTypes, context);
  if (types.names.length > 0) dlp.sensitive_types = types.names;
  if (types.ids.length > 0) dlp.sensitive_type_ids = types.ids;
  event.o365.dlp = dlp;

  if (isDlpAgent(asString(record.UserId))) {
    const from = sharePoint ? asString(sharePoint.From) : undefined;
    setActor(event, from ?? (exchange ? addresses(exchange.From)[0] : undefined));
  }

  if (sharePoint) {
    const fileName = asString(sharePoint.FileName);
    const url = asString(sharePoint.FilePathUrl);
    const owner = asString(sharePoint.FileOwner);
    const id = asString(sharePoint.UniqueID ?? sharePoint.UniqueId);
    const size = sharePoint.FileSize;
    const file = (event.file ??= {});
    if (fileName !== undefined) {
      file.name = fileName;
      const dot = fileName.lastIndexOf('.');
      if (dot > 0 && dot < fileName.length - 1) file.extension = fileName.slice(dot + 1).toLowerCase();
    }
    if (owner !== undefined) file.owner = owner;
    if (id !== undefined) file.inode = id;
    if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) file.size = size;
    else if (typeof size === 'string' && /^\d{1,15}$/.test(size)) file.size = Number(size);
    if (url !== undefined && /^https?:\/\//i.test(url)) event.url = { original: url };
    for (const who of [
      sharePoint.From,
      sharePoint.FileOwner,
      sharePoint.DocumentLastModifier,
      sharePoint.DocumentSharer,
    ]) {
      addRelatedUser(event, asString(who));
    }
  }
  if (exchange) {
    const email = (event.email ??= {});
    const subject = asString(exchange.Subject);
    const messageId = asString(exchange.MessageID ?? exchange.MessageId);
    if (subject !== undefined) email.subject = subject;
    if (messageId !== undefined) email.message_id = messageId;
    const from = addresses(exchange.From);
    if (from.length > 0) email.from = { address: from };
    for (const [key, field] of [
      ['To', 'to'],
      ['CC', 'cc'],
      ['BCC', 'bcc'],
    ] as const) {
      const list = addresses(exchange[key]);
      if (list.length > 0) email[field] = { address: list };
    }
    for (const who of [...from, ...(email.to?.address ?? [])]) addRelatedUser(event, who);
  }
  if (endpoint) {
    const device = asString(endpoint.DeviceName);
    if (device !== undefined) event.host = { name: device };
  }
  if (event.file === undefined) {
    const objectId = asString(record.ObjectId);
    if (objectId !== undefined && /^https?:\/\//i.test(objectId)) event.url ??= { original: objectId };
  }
}
