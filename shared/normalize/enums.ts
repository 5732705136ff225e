/**
 * Small enumerations of the audit schema, number to name. Values arrive as numbers, strings of
 * digits or already as names; `enumName` accepts all three and returns undefined for the rest.
 */
import { asInteger, asString } from './values';

export const USER_TYPES: readonly string[] = [
  'Regular',
  'Reserved',
  'Admin',
  'DCAdmin',
  'System',
  'Application',
  'ServicePrincipal',
  'CustomPolicy',
  'SystemPolicy',
  'PartnerTechnician',
  'Guest',
];

/** Exchange mailbox LogonType. */
export const LOGON_TYPES: readonly string[] = [
  'Owner',
  'Admin',
  'Delegated',
  'Transport',
  'SystemService',
  'BestAccess',
  'DelegatedAdmin',
];

/**
 * Actor/Target `Type`. The schema lists the members without numbers; samples show UPNs as 5 and
 * PUIDs as 3, which fits the members in alphabetical order. Unconfirmed for the others.
 */
export const IDENTITY_TYPES: readonly string[] = ['Claim', 'Name', 'Other', 'PUID', 'SPN', 'UPN'];

/** SharePoint ItemType; numbers with gaps, and usually serialized as the name already. */
export const ITEM_TYPES: Readonly<Record<number, string>> = {
  0: 'Invalid',
  1: 'File',
  5: 'Folder',
  6: 'Web',
  7: 'Site',
  8: 'Tenant',
  9: 'DocumentLibrary',
  11: 'Page',
};

export function enumName(
  value: unknown,
  names: readonly string[] | Readonly<Record<number, string>>,
): string | undefined {
  const n = asInteger(value);
  if (n !== undefined) return (names as Record<number, string | undefined>)[n];
  const s = asString(value);
  if (s === undefined) return undefined;
  const list = Array.isArray(names) ? (names as readonly string[]) : Object.values(names);
  const wanted = s.toLowerCase();
  return list.find((name) => name.toLowerCase() === wanted);
}
