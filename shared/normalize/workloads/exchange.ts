/**
 * Exchange Online: mailbox activity (ExchangeItem 2, ExchangeItemGroup 3, aggregated 19/50) and
 * admin cmdlets (ExchangeAdmin 1; Security & Compliance cmdlets 18 share the shape).
 */
import {
  byOperationName,
  Categorization,
  categorized,
  conform,
  operationName,
  Verb,
  verbOf,
  setCategorization,
} from '../categorize';
import { addRelatedUser, isSid, setActor, setTargetUser, userFields } from '../common';
import type { EcsEmailAttachment, EcsEvent } from '../ecsEvent';
import { enumName, LOGON_TYPES } from '../enums';
import { asArray, asObject, asString, isObject, JsonObject } from '../values';

export const EXCHANGE_ADMIN_RECORD_TYPES: ReadonlySet<number> = new Set([1, 18]);

/**
 * Cmdlets are Verb-Noun. Permission and role cmdlets change who may do what (iam); the rest change
 * configuration (mailboxes, transport and inbox rules, connectors).
 */
/** Cmdlet verbs that are not a change (Set, Enable, Disable, Update, Start, Stop, ... all are). */
const CMDLET_VERBS: Readonly<Record<string, Verb>> = {
  new: 'creation',
  add: 'creation',
  remove: 'deletion',
  delete: 'deletion',
  get: 'access',
  search: 'access',
  test: 'access',
  export: 'access',
};

export const cmdletCategorization = byOperationName((cmdlet: string): Categorization => {
  const dash = cmdlet.indexOf('-');
  const verbText = dash > 0 ? cmdlet.slice(0, dash).toLowerCase() : '';
  const noun = dash > 0 ? cmdlet.slice(dash + 1) : cmdlet;
  const verb: Verb =
    verbText === ''
      ? verbOf(cmdlet)
      : Object.hasOwn(CMDLET_VERBS, verbText)
        ? CMDLET_VERBS[verbText]
        : 'change';
  if (/permission|rolegroupmember|roleassignment|managementrole|roleentry|adminauditlog/i.test(noun)) {
    return categorized('iam', 'admin', verb === 'access' ? 'info' : verb);
  }
  return conform({ kind: 'event', category: ['configuration'], type: [verb] });
});

/** "report.pdf (4446b)" as its name and size, read by index (a pattern backtracks on long blank runs). */
function attachmentOf(part: string): { name: string; size?: number } {
  const open = part.lastIndexOf('(');
  if (open < 0 || !/^\(\d{1,15}b\)$/i.test(part.slice(open))) return { name: part };
  return { name: part.slice(0, open).trimEnd(), size: Number(part.slice(open + 1, -2)) };
}

/** "a.png (599b); b.pdf (4446b)" as ECS attachments; the size suffix is optional. */
export function parseAttachments(value: unknown): EcsEmailAttachment[] | undefined {
  const text = asString(value);
  if (text === undefined) return undefined;
  const out: EcsEmailAttachment[] = [];
  for (const part of text.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const { name, size } = attachmentOf(trimmed);
    if (name === '') continue;
    const file: EcsEmailAttachment['file'] = { name };
    const dot = name.lastIndexOf('.');
    if (dot > 0 && dot < name.length - 1) file.extension = name.slice(dot + 1).toLowerCase();
    if (size !== undefined && Number.isSafeInteger(size)) file.size = size;
    out.push({ file });
  }
  return out.length > 0 ? out : undefined;
}

/** OriginatingServer reads "AM6PR01MB4535 (15.20.2729.032)\n": the host name is the first word. */
function serverName(value: unknown): string | undefined {
  const text = asString(value);
  if (text === undefined) return undefined;
  let end = 0;
  while (end < text.length && end < 256 && text.charCodeAt(end) > 32) end++;
  return end === 0 || end === 256 ? undefined : text.slice(0, end);
}

/** OWA writes the browser's user agent into ClientInfoString after "Client=OWA;". */
function userAgentFromClientInfo(value: unknown): string | undefined {
  const text = asString(value);
  if (text === undefined || !/^client=/i.test(text)) return undefined;
  const semicolon = text.indexOf(';');
  if (semicolon < 0) return undefined;
  const agent = text.slice(semicolon + 1).trim();
  return /^mozilla\//i.test(agent) ? agent : undefined;
}

/**
 * Mailbox records whose UserId is a SID (`S-1-5-18`) or a system account
 * (`NT AUTHORITY\SYSTEM (Microsoft.Exchange.ServiceHost)`): a process acted for the mailbox.
 */
function isSystemAccount(userId: string | undefined): boolean {
  if (userId === undefined) return true;
  if (isSid(userId)) return true;
  const lower = userId.toLowerCase();
  return lower === 'system' || lower.startsWith('nt authority\\');
}

function folderPath(value: unknown): string | undefined {
  const folder = asObject(value);
  return folder ? (asString(folder.Path) ?? asString(folder.Name)) : undefined;
}

function applyItem(event: EcsEvent, item: JsonObject): void {
  const subject = asString(item.Subject);
  const messageId = asString(item.InternetMessageId);
  const attachments = parseAttachments(item.Attachments);
  if (subject !== undefined || messageId !== undefined || attachments !== undefined) {
    const email = (event.email ??= {});
    if (subject !== undefined) email.subject = subject;
    if (messageId !== undefined) email.message_id = messageId;
    if (attachments !== undefined) email.attachments = attachments;
  }
  const folder = folderPath(item.ParentFolder);
  if (folder !== undefined) (event.o365.mailbox ??= {}).folder = folder;
}

function applyMailbox(record: JsonObject, event: EcsEvent): void {
  const logonType = enumName(record.LogonType, LOGON_TYPES);
  if (logonType !== undefined) event.o365.logon_type = logonType;

  // The actor is UserId; MailboxOwnerUPN is whose mailbox was touched. They differ for delegates
  // and admins, where the owner is the target. When UserId is a SID or a system account, the
  // person is the mailbox owner, on whose behalf the process acted.
  const owner = asString(record.MailboxOwnerUPN);
  const userId = asString(record.UserId);
  if (owner !== undefined) {
    if (userId !== undefined && userId.toLowerCase() === owner.toLowerCase()) {
      // Owner acting on their own mailbox: already the actor.
    } else if (isSystemAccount(userId) || (logonType === 'Owner' && event.user?.email === undefined)) {
      setActor(event, owner);
    } else {
      setTargetUser(event, owner);
    }
  }
  const sid = asString(record.LogonUserSid);
  if (sid !== undefined && event.user?.id === undefined) (event.user ??= {}).id = sid;
  const displayName = asString(record.LogonUserDisplayName);
  if (displayName !== undefined) (event.user ??= {}).full_name ??= displayName;

  if (event.user_agent === undefined) {
    const agent = userAgentFromClientInfo(record.ClientInfoString);
    if (agent !== undefined) event.user_agent = { original: agent };
  }

  const item = asObject(record.Item);
  if (item) applyItem(event, item);

  const folder = folderPath(record.Folder);
  if (folder !== undefined) (event.o365.mailbox ??= {}).folder ??= folder;
  const dest = folderPath(record.DestFolder);
  if (dest !== undefined) (event.o365.mailbox ??= {}).destination_folder = dest;
  const destOwner = asString(record.DestMailboxOwnerUPN);
  if (destOwner !== undefined) addRelatedUser(event, destOwner);

  // Group records list what they touched in AffectedItems; one item reads like a single-item record.
  const affected = asArray(record.AffectedItems);
  if (affected && affected.length === 1 && isObject(affected[0]) && event.email === undefined) {
    applyItem(event, affected[0]);
  }
  const folders = asArray(record.Folders);
  if (folders) {
    const paths = folders.map(folderPath).filter((p): p is string => p !== undefined);
    if (paths.length > 0) (event.o365.mailbox ??= {}).folders = paths;
  }

  const op = operationName(event.event.action).toLowerCase();
  setCategorization(
    event,
    op === 'mailboxlogin' ? categorized('authentication', 'start') : categorized('email', 'info'),
  );
}

function applyAdmin(record: JsonObject, event: EcsEvent): void {
  const c = cmdletCategorization(event.event.action ?? '');
  setCategorization(event, c);
  const parameters = event.o365.audit.Parameters;
  const identity = isObject(parameters) ? parameters.Identity : undefined;
  if (typeof identity === 'string' && userFields(identity).email !== undefined)
    setTargetUser(event, identity);
  const objectId = asString(record.ObjectId);
  if (
    objectId !== undefined &&
    event.user?.target === undefined &&
    userFields(objectId).email !== undefined
  ) {
    setTargetUser(event, objectId);
  }
}

export function applyExchange(record: JsonObject, event: EcsEvent, recordType: number | undefined): void {
  const server = serverName(record.OriginatingServer);
  if (server !== undefined) event.server = { address: server };
  const looksLikeCmdlet = /^[A-Za-z]+-[A-Za-z]+$/.test(operationName(event.event.action));
  if (
    (recordType !== undefined && EXCHANGE_ADMIN_RECORD_TYPES.has(recordType)) ||
    (recordType === undefined && looksLikeCmdlet)
  ) {
    applyAdmin(record, event);
  } else {
    applyMailbox(record, event);
  }
}
