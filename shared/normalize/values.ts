/**
 * Tolerant readers for record values. The API's JSON is loosely typed in practice: numbers arrive
 * as strings of digits, nested objects and arrays as strings of JSON, booleans as "True"/"false".
 * Every reader returns `undefined` for what it cannot use instead of throwing.
 */

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty trimmed string; numbers and booleans are turned into their text. */
export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? undefined : t;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** A safe integer from a number or a string of digits (ECS `long`). */
export function asInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string') {
    const t = value.trim();
    if (!/^-?\d{1,15}$/.test(t)) return undefined;
    return Number(t);
  }
  return undefined;
}

export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}

/** Strings that look like JSON containers are parsed; anything unparsable stays undefined. */
function parseJsonText(value: string): unknown {
  const t = value.trim();
  const first = t.charAt(0);
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** An object, or a string holding one as JSON. */
export function asObject(value: unknown): JsonObject | undefined {
  if (isObject(value)) return value;
  if (typeof value === 'string') {
    const parsed = parseJsonText(value);
    return isObject(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** An array, or a string holding one as JSON. A lone object counts as a one-element array. */
export function asArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return [value];
  if (typeof value === 'string') {
    const parsed = parseJsonText(value);
    if (Array.isArray(parsed)) return parsed;
    if (isObject(parsed)) return [parsed];
  }
  return undefined;
}

/** Strings from a value that is a string, an array of strings, or a JSON string of either. */
export function asStringList(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? (asArray(value) ?? [value]) : [];
  const out: string[] = [];
  for (const item of list) {
    const s = asString(item);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/**
 * Sets a key taken from a record. A plain assignment of "__proto__" would replace the prototype
 * instead of adding a key, so that one name is defined as an own property.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/**
 * Characters that never occur in an address. A character class that excludes "@" on both sides of
 * the one "@" leaves a pattern nothing to backtrack over, so it stays linear on hostile input.
 */
const ADDRESS = /^[^\s@()<>,;:"[\]\\]+@[^\s@()<>,;:"[\]\\]+$/;

/** Longest value read as a user name; identifiers are short, and the cap bounds every scan below. */
const MAX_IDENTIFIER_CHARS = 512;

/**
 * `name@domain` split at its one "@", the case kept (as the reference mapping does): also
 * `app@sharepoint`, which is a name but not an address. Undefined for anything else.
 */
export function splitAtDomain(value: string): { name: string; domain: string } | undefined {
  const at = value.indexOf('@');
  if (at < 0 || value.length > MAX_IDENTIFIER_CHARS || !ADDRESS.test(value)) return undefined;
  return { name: value.slice(0, at), domain: value.slice(at + 1) };
}

/** A domain mail can be sent to (`contoso.com`), not just a name after an "@" (`sharepoint`). */
export function isEmailDomain(domain: string): boolean {
  return domain.indexOf('.') > 0 && !domain.endsWith('.') && !domain.includes('..');
}

/** `name@domain.tld`: an address mail can be sent to, not just a name with an "@". */
export function isEmailAddress(value: string): boolean {
  const parts = splitAtDomain(value);
  return parts !== undefined && isEmailDomain(parts.domain);
}
