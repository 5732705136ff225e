/**
 * The part of Event Query Language (EQL) that Elastic's single-event Microsoft 365 rules use,
 * parsed and evaluated against one event, for tests. Pure; written from Elastic's EQL syntax
 * reference, not from its code.
 *
 * Supported: `<category> where <condition>` (`any` for every category), `and`, `or`, `not`,
 * parentheses, `==`, `!=`, `in (...)`, `like~ (...)` / `like~ "..."` (case-insensitive `*` and `?`
 * wildcards), `:` (case-insensitive equality), `?field` (an optional field: missing is null),
 * `null`, strings, numbers, `endsWith` / `startsWith` (with `~` for case-insensitive), and
 * `/* ... *\/` and `//` comments. A field with several values (an array) matches when one does.
 * Anything else is a parse error.
 */
import { fieldValues, keywordOf, readQuoted, Scalar, wildcardMatches } from './fieldValues';

type Operand =
  | { kind: 'field'; name: string }
  | { kind: 'literal'; value: Scalar | null }
  | { kind: 'call'; name: string; insensitive: boolean; args: Operand[] };

export type EqlNode =
  | { kind: 'and' | 'or'; parts: EqlNode[] }
  | { kind: 'not'; part: EqlNode }
  | { kind: 'compare'; op: '==' | '!=' | ':'; left: Operand; right: Operand }
  | { kind: 'in'; left: Operand; list: Operand[]; insensitive: boolean }
  | { kind: 'like'; left: Operand; patterns: string[]; insensitive: boolean }
  | { kind: 'truthy'; operand: Operand };

export interface EqlQuery {
  category: string;
  condition: EqlNode;
}

export class EqlSyntaxError extends Error {
  constructor(message: string, query: string, at: number) {
    super(`${message} at ${at}: …${query.slice(at, at + 30)}`);
    this.name = 'EqlSyntaxError';
  }
}

type Token =
  | { t: 'lparen' | 'rparen' | 'comma' | 'end'; at: number }
  | { t: 'op'; op: '==' | '!=' | ':'; at: number }
  | { t: 'ident'; text: string; optional: boolean; at: number }
  | { t: 'string'; text: string; at: number }
  | { t: 'number'; value: number; at: number };

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };

function eqlEscape(rest: string): { text: string; length: number } | undefined {
  const next = rest[0];
  return next !== undefined && next in ESCAPES ? { text: ESCAPES[next], length: 1 } : undefined;
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
    } else if (query.startsWith('/*', i)) {
      const end = query.indexOf('*/', i + 2);
      if (end < 0) throw new EqlSyntaxError('unterminated comment', query, i);
      i = end + 2;
    } else if (query.startsWith('//', i)) {
      const end = query.indexOf('\n', i);
      i = end < 0 ? query.length : end + 1;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', at: i++ });
    } else if (query.startsWith('==', i) || query.startsWith('!=', i)) {
      tokens.push({ t: 'op', op: query.slice(i, i + 2) as '==' | '!=', at: i });
      i += 2;
    } else if (c === ':') {
      tokens.push({ t: 'op', op: ':', at: i++ });
    } else if (c === '"') {
      const start = i;
      const read = readQuoted(query, i, eqlEscape, (message, at) => new EqlSyntaxError(message, query, at));
      i = read.end;
      const text = read.text;
      tokens.push({ t: 'string', text, at: start });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(query.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'number', value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_@?]/.test(c)) {
      const start = i;
      const optional = c === '?';
      if (optional) i++;
      const m = /^[A-Za-z_@][A-Za-z0-9_.@]*~?/.exec(query.slice(i));
      if (!m) throw new EqlSyntaxError('expected a name', query, i);
      tokens.push({ t: 'ident', text: m[0], optional, at: start });
      i += m[0].length;
    } else {
      throw new EqlSyntaxError(`unexpected "${c}"`, query, i);
    }
  }
  tokens.push({ t: 'end', at: query.length });
  return tokens;
}

const FUNCTIONS = new Set(['endswith', 'startswith']);

class Parser {
  private i = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.t === 'ident' && !token.optional && token.text.toLowerCase() === word;
  }

  private expect(kind: Token['t']): Token {
    const token = this.tokens[this.i];
    if (token.t !== kind)
      throw new EqlSyntaxError(`expected ${kind}, found ${token.t}`, this.query, token.at);
    this.i++;
    return token;
  }

  parse(): EqlQuery {
    const category = this.expect('ident') as Extract<Token, { t: 'ident' }>;
    if (!this.isWord('where')) throw new EqlSyntaxError('expected "where"', this.query, this.peek().at);
    this.i++;
    const condition = this.or();
    this.expect('end');
    return { category: category.text, condition };
  }

  private or(): EqlNode {
    const parts = [this.and()];
    while (this.isWord('or')) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  }

  private and(): EqlNode {
    const parts = [this.not()];
    while (this.isWord('and')) {
      this.i++;
      parts.push(this.not());
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  }

  private not(): EqlNode {
    if (this.isWord('not')) {
      this.i++;
      return { kind: 'not', part: this.not() };
    }
    return this.comparison();
  }

  private comparison(): EqlNode {
    if (this.peek().t === 'lparen') {
      this.i++;
      const node = this.or();
      this.expect('rparen');
      return node;
    }
    const left = this.operand();
    const token = this.peek();
    if (token.t === 'op') {
      this.i++;
      return { kind: 'compare', op: token.op, left, right: this.operand() };
    }
    if (token.t === 'ident' && !token.optional) {
      const word = token.text.toLowerCase();
      if (word === 'in' || word === 'in~') {
        this.i++;
        return { kind: 'in', left, list: this.list(() => this.operand()), insensitive: word === 'in~' };
      }
      if (word === 'like' || word === 'like~') {
        this.i++;
        const patterns = this.peek().t === 'lparen' ? this.list(() => this.string()) : [this.string()];
        return { kind: 'like', left, patterns, insensitive: word === 'like~' };
      }
    }
    return { kind: 'truthy', operand: left };
  }

  private list<T>(item: () => T): T[] {
    this.expect('lparen');
    const items = [item()];
    while (this.peek().t === 'comma') {
      this.i++;
      items.push(item());
    }
    this.expect('rparen');
    return items;
  }

  private string(): string {
    return (this.expect('string') as Extract<Token, { t: 'string' }>).text;
  }

  private operand(): Operand {
    const token = this.peek();
    this.i++;
    switch (token.t) {
      case 'string':
        return { kind: 'literal', value: token.text };
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'ident': {
        const lower = token.text.toLowerCase();
        if (!token.optional && lower === 'null') return { kind: 'literal', value: null };
        if (!token.optional && (lower === 'true' || lower === 'false'))
          return { kind: 'literal', value: lower === 'true' };
        const name = lower.replace(/~$/, '');
        if (!token.optional && this.peek().t === 'lparen') {
          if (!FUNCTIONS.has(name))
            throw new EqlSyntaxError(`unsupported function ${token.text}`, this.query, token.at);
          return {
            kind: 'call',
            name,
            insensitive: lower.endsWith('~'),
            args: this.list(() => this.operand()),
          };
        }
        return { kind: 'field', name: token.text };
      }
      default:
        throw new EqlSyntaxError(`expected a value, found ${token.t}`, this.query, token.at);
    }
  }
}

export function parseEql(query: string): EqlQuery {
  return new Parser(query, tokenize(query)).parse();
}

/** An operand's values: none for null or a missing field, several for an array field. */
function valuesOf(operand: Operand, document: unknown): Scalar[] {
  switch (operand.kind) {
    case 'literal':
      return operand.value === null ? [] : [operand.value];
    case 'field':
      return fieldValues(document, operand.name);
    case 'call': {
      const [subject, affix] = operand.args.map((a) => valuesOf(a, document).map(keywordOf));
      const fold = (s: string) => (operand.insensitive ? s.toLowerCase() : s);
      const hit = (subject ?? []).some((s) =>
        (affix ?? []).some((a) =>
          operand.name === 'endswith' ? fold(s).endsWith(fold(a)) : fold(s).startsWith(fold(a)),
        ),
      );
      return [hit];
    }
  }
}

function equal(a: Scalar, b: Scalar, insensitive: boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  const x = keywordOf(a);
  const y = keywordOf(b);
  return insensitive ? x.toLowerCase() === y.toLowerCase() : x === y;
}

function isNull(operand: Operand): boolean {
  return operand.kind === 'literal' && operand.value === null;
}

export function eqlMatches(query: EqlQuery, document: unknown): boolean {
  if (query.category !== 'any' && !fieldValues(document, 'event.category').includes(query.category))
    return false;
  return conditionHolds(query.condition, document);
}

function conditionHolds(node: EqlNode, document: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return node.parts.every((p) => conditionHolds(p, document));
    case 'or':
      return node.parts.some((p) => conditionHolds(p, document));
    case 'not':
      return !conditionHolds(node.part, document);
    case 'truthy':
      return valuesOf(node.operand, document).some((v) => v === true);
    case 'compare': {
      const left = valuesOf(node.left, document);
      const right = valuesOf(node.right, document);
      // x == null is "x has no value"; x != null is "x has one".
      if (isNull(node.right)) return node.op === '!=' ? left.length > 0 : left.length === 0;
      const any = left.some((l) => right.some((r) => equal(l, r, node.op === ':')));
      return node.op === '!=' ? left.length > 0 && !any : any;
    }
    case 'in': {
      const left = valuesOf(node.left, document);
      const list = node.list.flatMap((o) => valuesOf(o, document));
      return left.some((l) => list.some((r) => equal(l, r, node.insensitive)));
    }
    case 'like':
      return valuesOf(node.left, document).some((v) =>
        node.patterns.some((p) =>
          wildcardMatches(p, keywordOf(v), { questionMark: true, caseInsensitive: node.insensitive }),
        ),
      );
  }
}
