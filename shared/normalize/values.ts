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
 * Keys of derived objects (ModifiedProperties and the like) come from the record. Dots would be
 * read as object paths by Elasticsearch-like stores and can collide with a sibling key, so they
 * become underscores; the original names stay in `o365.audit`.
 */
export function safeKey(name: string): string {
  return name.includes('.') ? name.replace(/\./g, '_') : name;
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

function hasOwnKey(target: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(target, key);
}

/**
 * `[{Name, Value}, ...]` (ExtendedProperties, Parameters, OperationProperties) as `{Name: Value}`.
 * A name seen twice keeps every value, as an array, in order.
 */
export function nameValueObject(value: unknown): Record<string, unknown> | undefined {
  const list = asArray(value);
  if (!list || list.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  let any = false;
  for (const item of list) {
    if (!isObject(item)) continue;
    const name = asString(item.Name);
    if (name === undefined) continue;
    const key = safeKey(name);
    const v = item.Value;
    if (hasOwnKey(out, key)) {
      const prev = out[key];
      setOwn(out, key, Array.isArray(prev) ? [...(prev as unknown[]), v] : [prev, v]);
    } else {
      setOwn(out, key, v);
    }
    any = true;
  }
  return any ? out : undefined;
}

/** Looks a name up in a Name/Value list without building the whole object. */
export function findNameValue(value: unknown, name: string): unknown {
  const list = asArray(value);
  if (!list) return undefined;
  const wanted = name.toLowerCase();
  for (const item of list) {
    if (isObject(item) && typeof item.Name === 'string' && item.Name.toLowerCase() === wanted) {
      return item.Value;
    }
  }
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmailAddress(value: string): boolean {
  return EMAIL.test(value);
}

/** `name@domain` split into parts; undefined for anything that is not an address. */
export function splitAddress(value: string): { name: string; domain: string } | undefined {
  if (!EMAIL.test(value)) return undefined;
  const at = value.lastIndexOf('@');
  return { name: value.slice(0, at), domain: value.slice(at + 1).toLowerCase() };
}
