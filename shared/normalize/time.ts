/**
 * CreationTime is UTC but is written without a zone (`2020-02-10T15:13:13`); JavaScript would read
 * that as local time. A zone is added when none is given, and the result is ISO 8601 in UTC.
 * Dates are checked field by field: Date.parse would roll `2023-02-29` over into March 1st.
 */
const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:([zZ])|([+-])(\d{2}):?(\d{2}))?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 && !isLeapYear(year) ? 28 : DAYS_IN_MONTH[month - 1];
}

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
  return day <= daysInMonth(century * 100 + yy, month) ? `${text}.000Z` : undefined;
}

/** Every other accepted form: a date alone, a space for the T, fractions, a zone offset. */
function isoUtc(text: string): string | undefined {
  const m = ISO_LIKE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, offH, offM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  // Date keeps milliseconds only; longer fractions (the API sometimes writes seven digits) are cut.
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  // Date.UTC reads years below 100 as 19xx; the year is set on its own.
  date.setUTCFullYear(year);
  if (sign !== undefined) {
    const offsetHours = Number(offH);
    const offsetMinutes = Number(offM);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
    date.setTime(date.getTime() - (sign === '+' ? offset : -offset));
  }
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function parseUtcTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const plain = plainUtc(value);
  if (plain !== undefined) return plain;
  const text = value.trim();
  return text.length > 40 ? undefined : isoUtc(text);
}
