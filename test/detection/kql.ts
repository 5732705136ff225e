/**
 * The part of Kibana Query Language (KQL) that Elastic's prebuilt Microsoft 365 rules use, parsed
 * and evaluated against one event, for tests. Pure; written from the language's documented
 * behaviour (Elastic's KQL reference), not from Kibana's code.
 *
 * Supported: `and`, `or`, `not` (any case; not > and > or), parentheses, `field:value`, quoted
 * values (exact, `*` literal), unquoted values with `*` wildcards, `field:*` (the field has a
 * value), `field:(a or b and not c)`, range comparisons `field >= 10`, dotted and array fields
 * (any value may match). Matching is the keyword kind: exact and case-sensitive, numbers and
 * booleans compared by their text; ranges compare numbers when both sides are numbers.
 * Anything else is a parse error, so an unsupported query fails loudly instead of matching wrongly.
 */
import { fieldValues, keywordOf, readQuoted, Scalar, wildcardMatches } from './fieldValues';

export type KqlNode =
  | { kind: 'and' | 'or'; parts: KqlNode[] }
  | { kind: 'not'; part: KqlNode }
  | { kind: 'field'; field: string; test: ValueNode }
  | { kind: 'range'; field: string; op: RangeOp; value: string };

export type ValueNode =
  | { kind: 'and' | 'or'; parts: ValueNode[] }
  | { kind: 'not'; part: ValueNode }
  | { kind: 'exists' }
  | { kind: 'value'; text: string; quoted: boolean };

type RangeOp = '<' | '<=' | '>' | '>=';

export class KqlSyntaxError extends Error {
  constructor(message: string, query: string, at: number) {
    super(`${message} at ${at}: …${query.slice(at, at + 30)}`);
    this.name = 'KqlSyntaxError';
  }
}

type Token =
  | { t: 'lparen' | 'rparen' | 'colon' | 'and' | 'or' | 'not' | 'end'; at: number }
  | { t: 'range'; op: RangeOp; at: number }
  | { t: 'word'; text: string; quoted: boolean; at: number };

/** `\"`, `\\`, `\t`, `\n`, `\r`, `\uXXXX`; any other backslash is itself (e.g. "NT AUTHORITY\SYSTEM"). */
function kqlEscape(rest: string): { text: string; length: number } {
  const next = rest[0];
  if (next === '"' || next === '\\') return { text: next, length: 1 };
  if (next === 'u' && /^u[0-9a-fA-F]{4}$/.test(rest))
    return { text: String.fromCharCode(parseInt(rest.slice(1), 16)), length: 5 };
  if (next === 't' || next === 'n' || next === 'r')
    return { text: { t: '\t', n: '\n', r: '\r' }[next], length: 1 };
  return { text: '\\', length: 0 };
}

const SPECIAL = new Set(['\\', '(', ')', ':', '<', '>', '"', '{', '}']);

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      tokens.push({ t: 'lparen', at: i++ });
    } else if (c === ')') {
      tokens.push({ t: 'rparen', at: i++ });
    } else if (c === ':') {
      tokens.push({ t: 'colon', at: i++ });
    } else if (c === '<' || c === '>') {
      const op = (query[i + 1] === '=' ? `${c}=` : c) as RangeOp;
      tokens.push({ t: 'range', op, at: i });
      i += op.length;
    } else if (c === '"') {
      const start = i;
      const read = readQuoted(query, i, kqlEscape, (message, at) => new KqlSyntaxError(message, query, at));
      i = read.end;
      const text = read.text;
      tokens.push({ t: 'word', text, quoted: true, at: start });
    } else {
      const start = i;
      let text = '';
      while (i < query.length && !/\s/.test(query[i]) && !SPECIAL.has(query[i])) text += query[i++];
      if (query[i] === '\\' && text === '')
        throw new KqlSyntaxError('escapes outside quotes are not supported', query, i);
      if (text === '') throw new KqlSyntaxError(`unexpected "${query[i]}"`, query, i);
      const lower = text.toLowerCase();
      if (lower === 'and' || lower === 'or' || lower === 'not') tokens.push({ t: lower, at: start });
      else tokens.push({ t: 'word', text, quoted: false, at: start });
    }
  }
  tokens.push({ t: 'end', at: query.length });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private take(kind: Token['t']): Token {
    const token = this.tokens[this.i];
    if (token.t !== kind)
      throw new KqlSyntaxError(`expected ${kind}, found ${token.t}`, this.query, token.at);
    this.i++;
    return token;
  }

  parse(): KqlNode {
    const node = this.or();
    this.take('end');
    return node;
  }

  private or(): KqlNode {
    const parts = [this.and()];
    while (this.peek().t === 'or') {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  }

  private and(): KqlNode {
    const parts = [this.not()];
    while (this.peek().t === 'and') {
      this.i++;
      parts.push(this.not());
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  }

  private not(): KqlNode {
    if (this.peek().t === 'not') {
      this.i++;
      return { kind: 'not', part: this.not() };
    }
    return this.primary();
  }

  private primary(): KqlNode {
    const token = this.peek();
    if (token.t === 'lparen') {
      this.i++;
      const node = this.or();
      this.take('rparen');
      return node;
    }
    if (token.t !== 'word' || token.quoted) {
      throw new KqlSyntaxError(
        'expected a field name (free-text search is not supported)',
        this.query,
        token.at,
      );
    }
    this.i++;
    const next = this.peek();
    if (next.t === 'range') {
      this.i++;
      const value = this.take('word') as Extract<Token, { t: 'word' }>;
      return { kind: 'range', field: token.text, op: next.op, value: value.text };
    }
    this.take('colon');
    return { kind: 'field', field: token.text, test: this.valueList() };
  }

  private valueList(): ValueNode {
    const token = this.peek();
    if (token.t === 'lparen') {
      this.i++;
      const node = this.valueOr();
      this.take('rparen');
      return node;
    }
    return this.value();
  }

  private valueOr(): ValueNode {
    const parts = [this.valueAnd()];
    while (this.peek().t === 'or') {
      this.i++;
      parts.push(this.valueAnd());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  }

  private valueAnd(): ValueNode {
    const parts = [this.valueNot()];
    while (this.peek().t === 'and') {
      this.i++;
      parts.push(this.valueNot());
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  }

  private valueNot(): ValueNode {
    if (this.peek().t === 'not') {
      this.i++;
      return { kind: 'not', part: this.valueNot() };
    }
    return this.valueList();
  }

  private value(): ValueNode {
    const token = this.take('word') as Extract<Token, { t: 'word' }>;
    if (!token.quoted && token.text === '*') return { kind: 'exists' };
    return { kind: 'value', text: token.text, quoted: token.quoted };
  }
}

export function parseKql(query: string): KqlNode {
  return new Parser(query, tokenize(query)).parse();
}

function valueMatches(test: ValueNode, values: Scalar[]): boolean {
  switch (test.kind) {
    case 'and':
      return test.parts.every((p) => valueMatches(p, values));
    case 'or':
      return test.parts.some((p) => valueMatches(p, values));
    case 'not':
      return !valueMatches(test.part, values);
    case 'exists':
      return values.length > 0;
    case 'value':
      return values.some((v) => {
        const text = keywordOf(v);
        return !test.quoted && test.text.includes('*')
          ? wildcardMatches(test.text, text)
          : text === test.text;
      });
  }
}

function compare(op: RangeOp, left: number | string, right: number | string): boolean {
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
  }
}

function rangeMatches(op: RangeOp, bound: string, values: Scalar[]): boolean {
  return values.some((v) => {
    const text = keywordOf(v);
    const a = Number(text);
    const b = Number(bound);
    return text.trim() !== '' && bound.trim() !== '' && !Number.isNaN(a) && !Number.isNaN(b)
      ? compare(op, a, b)
      : compare(op, text, bound);
  });
}

export function kqlMatches(node: KqlNode, document: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return node.parts.every((p) => kqlMatches(p, document));
    case 'or':
      return node.parts.some((p) => kqlMatches(p, document));
    case 'not':
      return !kqlMatches(node.part, document);
    case 'field':
      return valueMatches(node.test, fieldValues(document, node.field));
    case 'range':
      return rangeMatches(node.op, node.value, fieldValues(document, node.field));
  }
}
