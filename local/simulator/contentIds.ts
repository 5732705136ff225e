/**
 * Content ids shaped like the docs' sample,
 * `492638008028$492638008028$f28ab78ad40140608012736e373933ebspo2015043022$4a81a7c326fc4aed89c62e6039ab833b$04`:
 * two numbers, the tenant id without dashes + a workload tag + the hour, a random hex id and a
 * two-digit suffix, joined by `$`. Clients must use the `$`s unmodified in the contentUri.
 */
import { randomBytes } from 'node:crypto';
import type { ContentType } from '../../shared/contentTypes';

const WORKLOAD_TAGS: Record<ContentType, string> = {
  'Audit.AzureActiveDirectory': 'aad',
  'Audit.Exchange': 'exo',
  'Audit.SharePoint': 'spo',
  'Audit.General': 'gen',
  'DLP.All': 'dlp',
};

export function newContentId(
  tenantId: string,
  contentType: ContentType,
  created: Date,
  sequence: number,
): string {
  const seconds = String(Math.floor(created.getTime() / 1000) % 1e12).padStart(12, '0');
  const iso = created.toISOString();
  const hour = iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13);
  const tenant = tenantId.replace(/-/g, '').toLowerCase();
  const suffix = String(sequence % 100).padStart(2, '0');
  return `${seconds}$${seconds}$${tenant}${WORKLOAD_TAGS[contentType]}${hour}$${randomBytes(16).toString('hex')}$${suffix}`;
}

/** What the simulator treats as a well-formed id (AF20052 otherwise): alphanumeric parts joined by `$`. */
export function isWellFormedContentId(contentId: string): boolean {
  return /^[0-9A-Za-z]{1,80}(\$[0-9A-Za-z]{1,80}){2,8}$/.test(contentId);
}
