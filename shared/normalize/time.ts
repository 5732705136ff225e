/**
 * CreationTime is UTC but is written without a zone (`2020-02-10T15:13:13`); JavaScript would read
 * that as local time. A zone is added when none is given, and the result is ISO 8601 in UTC.
 */
const HAS_ZONE = /(?:[zZ]|[+-]\d{2}:?\d{2})$/;
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:[zZ]|[+-]\d{2}:?\d{2})?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The shape nearly every record has, `YYYY-MM-DDTHH:MM:SS`, checked field by field without building
 * a Date: normalization runs once per record, so this path is worth keeping cheap.
 */
function plainUtc(text: string): string | undefined {
  if (
    text.length !== 19 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return undefined;
  }
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const maxDay = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  return day <= maxDay ? `${text}.000Z` : undefined;
}

export function parseUtcTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const plain = plainUtc(value);
  if (plain !== undefined) return plain;
  const text = value.trim();
  if (!ISO_LIKE.test(text)) return undefined;
  let iso = text.replace(' ', 'T');
  if (iso.length === 10) iso += 'T00:00:00';
  if (!HAS_ZONE.test(iso)) iso += 'Z';
  else iso = iso.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  // Date keeps milliseconds only; longer fractions (the API sometimes writes seven digits) are cut.
  iso = iso.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}
