/**
 * The values of a dotted field in an event, as Elasticsearch indexes them: arrays are flattened
 * (an array of objects gives every element's value), a key written with dots is the same field as
 * the nested path, and null or missing means no value.
 */
export type Scalar = string | number | boolean;

export function fieldValues(document: unknown, field: string): Scalar[] {
  const out: Scalar[] = [];
  collect(document, field.split('.'), out);
  return out;
}

function collect(value: unknown, path: string[], out: Scalar[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, path, out);
    return;
  }
  if (path.length === 0) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push(value);
    return;
  }
  if (typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  // "a.b.c" may be stored as a.b.c, a["b.c"], ["a.b"].c or ["a.b.c"].
  for (let take = 1; take <= path.length; take++) {
    const key = path.slice(0, take).join('.');
    if (Object.prototype.hasOwnProperty.call(record, key)) collect(record[key], path.slice(take), out);
  }
}

/** The text Elasticsearch indexes for a keyword: numbers and booleans as JSON writes them. */
export function keywordOf(value: Scalar): string {
  return typeof value === 'string' ? value : String(value);
}

export interface WildcardOptions {
  /** `?` stands for one character (EQL); in KQL it is literal. */
  questionMark?: boolean;
  caseInsensitive?: boolean;
}

/** `*` any run of characters (and `?` one, when asked); everything else literal. */
export function wildcardMatches(pattern: string, text: string, options: WildcardOptions = {}): boolean {
  const p = options.caseInsensitive ? pattern.toLowerCase() : pattern;
  const t = options.caseInsensitive ? text.toLowerCase() : text;
  const anyOne = options.questionMark === true;
  // Iterative matcher with one backtrack point: linear enough for rule patterns.
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== '*' && ((anyOne && p[pi] === '?') || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * A double-quoted string starting at `start`: its text and the index after the closing quote.
 * `escape` decodes what follows a backslash (`rest` starts after it): the text and how many
 * characters it used, or undefined to refuse the escape.
 */
export function readQuoted(
  query: string,
  start: number,
  escape: (rest: string) => { text: string; length: number } | undefined,
  fail: (message: string, at: number) => Error,
): { text: string; end: number } {
  let i = start + 1;
  let text = '';
  for (;;) {
    if (i >= query.length) throw fail('unterminated string', start);
    const ch = query[i];
    if (ch === '"') return { text, end: i + 1 };
    if (ch === '\\') {
      const decoded = escape(query.slice(i + 1, i + 6));
      if (decoded === undefined) throw fail('unknown escape', i);
      text += decoded.text;
      i += 1 + decoded.length;
      continue;
    }
    text += ch;
    i++;
  }
}
