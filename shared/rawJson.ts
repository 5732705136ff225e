/**
 * Symbols that let already-made JSON text travel with the objects it belongs to, so the hot path
 * does not serialize the same data twice. JSON.stringify ignores symbol keys, so none can leak
 * into any output.
 * - RAW_JSON_TEXT: on a record parsed from a content blob, the exact text it arrived as.
 * - RAW_JSON_DEPTH: beside it, how deeply that text nests (the splitter counts it for free), so a
 *   record too deep for JSON readers is found without walking it.
 * - SERIALIZED_JSON: on an event, its complete JSON text, which a sink may write as is.
 */
export const RAW_JSON_TEXT: unique symbol = Symbol('m365.rawJsonText');
export const RAW_JSON_DEPTH: unique symbol = Symbol('m365.rawJsonDepth');
export const SERIALIZED_JSON: unique symbol = Symbol('m365.serializedJson');

/**
 * Attaches a value under a symbol key, non-enumerable, so deep comparisons and object spreads see
 * the object exactly as before.
 */
function attachHidden(target: object, key: symbol, value: string | number): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

export function attachJsonText(
  target: object,
  key: typeof RAW_JSON_TEXT | typeof SERIALIZED_JSON,
  text: string,
): void {
  attachHidden(target, key, text);
}

export function rawJsonTextOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const text = (value as { [RAW_JSON_TEXT]?: unknown })[RAW_JSON_TEXT];
  return typeof text === 'string' ? text : undefined;
}

/** Records the nesting depth of a record's raw text (1 for a flat object). */
export function attachJsonDepth(target: object, depth: number): void {
  attachHidden(target, RAW_JSON_DEPTH, depth);
}

export function rawJsonDepthOf(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const depth = (value as { [RAW_JSON_DEPTH]?: unknown })[RAW_JSON_DEPTH];
  return typeof depth === 'number' ? depth : undefined;
}

export function serializedJsonOf(value: object): string | undefined {
  const text = (value as { [SERIALIZED_JSON]?: unknown })[SERIALIZED_JSON];
  return typeof text === 'string' ? text : undefined;
}
