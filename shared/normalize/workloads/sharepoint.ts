/**
 * SharePoint Online and OneDrive: file and folder operations, sharing, pages, lists and sites.
 * For file operations `SiteUrl + SourceRelativeUrl + SourceFileName` is the `ObjectId` URL.
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
import { enumName, ITEM_TYPES } from '../enums';
import { asString, JsonObject } from '../values';

const URL_HOST = /^https?:\/\/([^/:?#\s]+)/i;

/** Whether one of `first` occurs before one of `then` in the text (by index, which stays linear). */
function appearsBefore(text: string, first: readonly string[], then: readonly string[]): boolean {
  let earliest = -1;
  for (const word of first) {
    const at = text.indexOf(word);
    if (at >= 0 && (earliest < 0 || at + word.length < earliest)) earliest = at + word.length;
  }
  if (earliest < 0) return false;
  return then.some((word) => text.lastIndexOf(word) >= earliest);
}

function isAdminChange(operation: string): boolean {
  const op = operation.toLowerCase();
  return (
    appearsBefore(op, ['siteadmin', 'sitecollectionadmin', 'owner'], ['added', 'removed']) ||
    appearsBefore(op, ['added', 'removed'], ['admin', 'owner'])
  );
}

export const sharePointCategorization = byOperationName((operation: string): Categorization => {
  const verb = verbOf(operation);
  if (/^(file|folder)/i.test(operation)) return conform({ kind: 'event', category: ['file'], type: [verb] });
  // Sharing and links change who can reach a file; using a link is an access.
  if (/shar|link|invitation|accessrequest/i.test(operation)) {
    return categorized('file', /used|accessed/i.test(operation) ? 'access' : 'change');
  }
  if (/^page/i.test(operation) || /search/i.test(operation)) return categorized('web', 'access');
  if (/(added|removed)(to|from)group|groupmember/i.test(operation))
    return categorized('iam', 'group', 'change');
  if (isAdminChange(operation)) return categorized('iam', 'admin', 'change');
  if (/^(list|site|web|group|permission|tenant|sitecollection)/i.test(operation)) {
    return conform({ kind: 'event', category: ['configuration'], type: [verb] });
  }
  return categorized('web', 'info');
});

function extensionOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : undefined;
}

export function applySharePoint(record: JsonObject, event: EcsEvent): void {
  const c = sharePointCategorization(event.event.action ?? '');
  setCategorization(event, c);

  const objectId = asString(record.ObjectId);
  const siteUrl = asString(record.SiteUrl);
  const urlText = objectId !== undefined && URL_HOST.test(objectId) ? objectId : siteUrl;
  if (urlText !== undefined && URL_HOST.test(urlText)) {
    event.url = { original: urlText };
    const host = URL_HOST.exec(urlText);
    if (host) event.url.domain = host[1].toLowerCase();
  }

  const name = asString(record.SourceFileName);
  const directory = asString(record.SourceRelativeUrl);
  // SourceFileExtension is kept as written, as the reference mapping does; one derived from the
  // name is lower-cased.
  const extension = asString(record.SourceFileExtension)?.replace(/^\./, '') ?? (name && extensionOf(name));
  if (name !== undefined || directory !== undefined) {
    event.file = {};
    if (name !== undefined) event.file.name = name;
    if (extension !== undefined && extension !== '') event.file.extension = extension;
    if (directory !== undefined) event.file.directory = directory;
    if (objectId !== undefined && name !== undefined) event.file.path = objectId;
  }

  const siteId = asString(record.Site);
  if (siteUrl !== undefined || siteId !== undefined) {
    event.o365.site = {};
    if (siteUrl !== undefined) event.o365.site.url = siteUrl;
    if (siteId !== undefined) event.o365.site.id = siteId;
  }
  const itemType = enumName(record.ItemType, ITEM_TYPES);
  if (itemType !== undefined) event.o365.item_type = itemType;

  // Sharing records name who received access: a person, or a SharePoint/security group.
  const grantee = asString(record.TargetUserOrGroupName) ?? asString(record.UserSharedWith);
  if (grantee !== undefined) {
    if (/group/i.test(asString(record.TargetUserOrGroupType) ?? '')) event.group = { name: grantee };
    else setTargetUser(event, grantee);
  }
}
