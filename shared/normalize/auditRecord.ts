/**
 * `o365.audit`: the record field for field, with the lists detections look into by name made
 * objects, as Elastic's Office 365 mapping does, so that `o365.audit.Parameters.ForwardTo` or
 * `o365.audit.ModifiedProperties.Role_DisplayName.NewValue` exist:
 * - Parameters, ExtendedProperties: `[{Name, Value}]` -> `{Name: Value}` (a repeated name keeps every
 *   value, in order; null values are left out);
 * - ModifiedProperties: `[{Name, OldValue, NewValue}]` -> `{Name: {OldValue, NewValue}}`, and
 *   Exchange's plain list of property names -> `{Name: {}}`;
 * - Data (Security & Compliance alerts): its JSON text -> the object;
 * - OperationProperties, when it arrives as JSON text: the list it holds.
 * Any of them that arrives as text that is not JSON becomes `{_raw: text}`, so the field keeps one
 * type. The record's exact text is `event.original` when PRESERVE_ORIGINAL_EVENT is on; either way a
 * reshaped copy keeps it in memory (reshapedSourceText), for sinks that want the record as
 * Microsoft wrote it.
 *
 * The record is not changed: when something is reshaped, `o365.audit` is a copy with the same keys
 * in the same order. When nothing is, it is the record itself, whose own text can then be written
 * as is (serialize.ts); a copy remembers the record's text and which keys it replaced, so that its
 * text is the record's with those values replaced (auditText), rather than serialized anew.
 */
import { rawJsonTextOf } from '../rawJson';
import { asString, isObject, JsonObject, setOwn } from './values';

/** On a reshaped copy: the record's text and the keys whose values differ from it. */
const RESHAPED_FROM: unique symbol = Symbol('m365.auditReshapedFrom');

interface ReshapedFrom {
  text: string;
  keys: string[];
}

type Reshape = (value: unknown) => unknown;

/** Keys of derived objects come from the record; dots would read as object paths downstream. */
function dotless(name: string): string {
  return name.includes('.') ? name.replace(/\./g, '_') : name;
}

/** ModifiedProperties names also lose spaces, as the reference mapping does ("Role.DisplayName" -> "Role_DisplayName"). */
function propertyKey(name: string): string {
  return /[. ]/.test(name) ? name.replace(/[. ]/g, '_') : name;
}

/** JSON text parsed, or `{_raw: text}` when it is not JSON; undefined for a value that is not text. */
function fromText(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  if (t === '') return undefined;
  const first = t.charAt(0);
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      // falls through to _raw
    }
  }
  return { _raw: value };
}

function nameValueList(list: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) {
    if (!isObject(item)) continue;
    const name = asString(item.Name);
    const value = item.Value;
    if (name === undefined || value === undefined || value === null) continue;
    const key = dotless(name);
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      const prev = out[key];
      setOwn(out, key, Array.isArray(prev) ? [...(prev as unknown[]), value] : [prev, value]);
    } else {
      setOwn(out, key, value);
    }
  }
  return out;
}

const nameValues: Reshape = (value) => {
  if (Array.isArray(value)) return value.length === 0 ? value : nameValueList(value);
  const parsed = fromText(value);
  if (parsed === undefined) return value;
  if (Array.isArray(parsed)) return nameValueList(parsed);
  return isObject(parsed) ? parsed : { _raw: value };
};

function modifiedPropertyList(list: unknown[]): Record<string, unknown> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, { OldValue?: unknown; NewValue?: unknown }> = {};
  for (const item of list) {
    if (typeof item === 'string' && item.trim() !== '') {
      setOwn(out, propertyKey(item.trim()), {});
    } else if (isObject(item)) {
      const name = asString(item.Name);
      if (name === undefined) continue;
      const entry: { OldValue?: unknown; NewValue?: unknown } = {};
      if (item.NewValue !== undefined) entry.NewValue = item.NewValue;
      if (item.OldValue !== undefined) entry.OldValue = item.OldValue;
      setOwn(out, propertyKey(name), entry);
    }
  }
  return out;
}

const modifiedProperties: Reshape = (value) => {
  if (Array.isArray(value)) return modifiedPropertyList(value) ?? value;
  const parsed = fromText(value);
  if (parsed === undefined) return value;
  if (Array.isArray(parsed)) return modifiedPropertyList(parsed) ?? parsed;
  return isObject(parsed) ? parsed : { _raw: value };
};

const jsonObject: Reshape = (value) => {
  const parsed = fromText(value);
  if (parsed === undefined) return value;
  return isObject(parsed) ? parsed : { _raw: value };
};

const jsonList: Reshape = (value) => {
  const parsed = fromText(value);
  if (parsed === undefined) return value;
  return Array.isArray(parsed) ? parsed : { _raw: value };
};

const RESHAPES: readonly (readonly [string, Reshape])[] = [
  ['Parameters', nameValues],
  ['ExtendedProperties', nameValues],
  ['ModifiedProperties', modifiedProperties],
  ['Data', jsonObject],
  ['OperationProperties', jsonList],
];

/** The record as `o365.audit`: the record itself, or a reshaped copy (see above). */
export function auditRecord(record: JsonObject): JsonObject {
  let copy: JsonObject | undefined;
  let keys: string[] | undefined;
  for (const [key, reshape] of RESHAPES) {
    const value = record[key];
    if (value === undefined || !Object.prototype.hasOwnProperty.call(record, key)) continue;
    const shaped = reshape(value);
    if (shaped === value) continue;
    copy ??= { ...record };
    setOwn(copy, key, shaped);
    (keys ??= []).push(key);
  }
  if (copy === undefined) return record;
  const text = rawJsonTextOf(record);
  if (text !== undefined && keys !== undefined) {
    const from: ReshapedFrom = { text, keys };
    Object.defineProperty(copy, RESHAPED_FROM, { value: from, enumerable: false });
  }
  return copy;
}

/**
 * The text of the record a reshaped `o365.audit` was made from, when the record came with its text;
 * undefined for an `o365.audit` that is the record unchanged. Held in memory only, never written.
 */
export function reshapedSourceText(audit: unknown): string | undefined {
  if (audit === null || typeof audit !== 'object') return undefined;
  return (audit as { [RESHAPED_FROM]?: ReshapedFrom })[RESHAPED_FROM]?.text;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index just past the string that opens at `start` (a quote), or -1. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let b = q - 1; text.charCodeAt(b) === BACKSLASH; b--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Index just past the JSON value that starts at `start`, or -1 when the text is not as expected. */
function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === QUOTE) return stringEnd(text, start);
  if (first !== 0x7b && first !== 0x5b) {
    // A number, true, false or null: up to the next delimiter.
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x2c || c === 0x7d || c === 0x5d || isBlank(c)) break;
      i++;
    }
    return i > start ? i : -1;
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/**
 * Where the value of `key` is in the record's text, found by searching for the key rather than
 * parsing the text again: the name must occur as a key exactly once, and since the record has it
 * at the top level, that is the one. (Only a record that writes its top-level key with escapes and
 * the same name plainly deeper down could lead this astray; what is written is valid JSON even so,
 * because the value replaced is a whole JSON value and its replacement is JSON.stringify's.)
 */
function valueSpan(text: string, key: string): [number, number] | undefined {
  // The opening quote is checked rather than searched for: JSON text is full of quotes, and a
  // pattern that starts with one makes String.prototype.indexOf several times slower.
  const needle = `${key}"`;
  let found: [number, number] | undefined;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    if (at === 0 || text.charCodeAt(at - 1) !== QUOTE) continue;
    // The tail of a longer string ("...\"Parameters") is not a token.
    if (at > 1 && text.charCodeAt(at - 2) === BACKSLASH) continue;
    let i = at + needle.length;
    while (isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3a) continue; // a value "Parameters", not a key
    if (found) return undefined; // the same name as a key elsewhere too: do not guess
    i++;
    while (isBlank(text.charCodeAt(i))) i++;
    const end = valueEnd(text, i);
    if (end < 0) return undefined;
    found = [i, end];
  }
  return found;
}

/**
 * The JSON text of a reshaped copy, made from the record's text with the replaced values
 * serialized; undefined when the copy is not one, or the spans cannot be found for certain.
 */
export function reshapedAuditText(audit: unknown): string | undefined {
  if (audit === null || typeof audit !== 'object') return undefined;
  const from = (audit as { [RESHAPED_FROM]?: ReshapedFrom })[RESHAPED_FROM];
  if (from === undefined) return undefined;
  const spans: [number, number, string][] = [];
  for (const key of from.keys) {
    const span = valueSpan(from.text, key);
    if (span === undefined) return undefined;
    const value = JSON.stringify((audit as JsonObject)[key]);
    if (value === undefined) return undefined;
    spans.push([span[0], span[1], value]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end, value] of spans) {
    out += from.text.slice(at, start) + value;
    at = end;
  }
  return out + from.text.slice(at);
}
