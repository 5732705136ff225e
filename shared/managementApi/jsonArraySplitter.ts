/**
 * Splits a JSON array arriving in chunks into its top-level elements, parsing each with JSON.parse.
 * Content blobs can be large and we aim at a million events a minute: a general streaming JSON
 * tokenizer is several times slower than this, which only tracks nesting depth, strings and
 * escapes to find where each element ends, and lets the native parser do the rest.
 * Pure and synchronous; splitJsonArrayStream adapts it to a byte stream.
 */
import { attachJsonDepth, attachJsonText, RAW_JSON_TEXT } from '../rawJson';

export type JsonArraySplitFailure =
  /** The text does not start with "[". */
  | 'notArray'
  /** The text ended before the array closed. */
  | 'truncated'
  /** One element is larger than the bound. */
  | 'elementTooLarge'
  /** An element is not valid JSON (or is empty, as in "[1,,2]"). */
  | 'invalidElement'
  /** Something other than whitespace follows the closing "]". */
  | 'trailingData';

export class JsonArraySplitError extends Error {
  readonly kind: JsonArraySplitFailure;
  /** Zero-based index of the element concerned, when there is one. */
  readonly elementIndex?: number;

  constructor(kind: JsonArraySplitFailure, detail: string, elementIndex?: number) {
    super(`malformed JSON array (${kind}): ${detail}`);
    this.name = 'JsonArraySplitError';
    this.kind = kind;
    this.elementIndex = elementIndex;
  }
}

/** 16 Mi characters; audit JSON is nearly all ASCII, so this is about 16 MiB. */
export const DEFAULT_MAX_ELEMENT_CHARS = 16 * 1024 * 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const BOM = 0xfeff;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonArraySplitter {
  private phase: 'before' | 'inArray' | 'after' = 'before';
  private depth = 0;
  /** The deepest nesting of the current element so far. */
  private elementDepth = 0;
  private inString = false;
  private escaped = false;
  /** Text of the current element carried over from earlier chunks. */
  private pending = '';
  /** The current element has a non-whitespace character. */
  private hasContent = false;
  /** A comma was read, so another element must follow. */
  private expectElement = false;
  private count = 0;

  constructor(private readonly maxElementChars: number = DEFAULT_MAX_ELEMENT_CHARS) {}

  /** Number of elements completed so far. */
  get elementCount(): number {
    return this.count;
  }

  /** True once the closing "]" was read. */
  get complete(): boolean {
    return this.phase === 'after';
  }

  /** Feeds the next piece of text; returns the elements it completed, in order. */
  push(chunk: string): unknown[] {
    const out: unknown[] = [];
    const n = chunk.length;
    let i = 0;
    if (this.phase === 'before') {
      while (i < n) {
        const c = chunk.charCodeAt(i);
        if (isWhitespace(c) || (c === BOM && this.count === 0)) {
          i++;
          continue;
        }
        if (c !== OPEN_BRACKET) {
          throw new JsonArraySplitError('notArray', `expected "[" but found ${describe(chunk, i)}`);
        }
        this.phase = 'inArray';
        i++;
        break;
      }
      if (this.phase === 'before') return out;
    }
    if (this.phase === 'inArray') i = this.scanArray(chunk, i, out);
    if (this.phase === 'after') {
      for (; i < n; i++) {
        if (!isWhitespace(chunk.charCodeAt(i))) {
          throw new JsonArraySplitError('trailingData', `found ${describe(chunk, i)} after the closing "]"`);
        }
      }
    }
    return out;
  }

  /** Declares the end of the text; throws unless the array was closed. */
  end(): void {
    if (this.phase === 'before') throw new JsonArraySplitError('notArray', 'the text is empty');
    if (this.phase === 'inArray') {
      throw new JsonArraySplitError(
        'truncated',
        `the text ended inside the array after ${this.count} element(s)`,
        this.count,
      );
    }
  }

  private scanArray(chunk: string, start: number, out: unknown[]): number {
    const n = chunk.length;
    let segmentStart = start;
    // Positions of the next quote and backslash, found with indexOf and reused while ahead of i,
    // so long strings are skipped natively rather than character by character.
    let nextQuote = -1;
    let nextBackslash = -1;
    let i = start;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        if (nextQuote < i) nextQuote = indexOrEnd(chunk, '"', i);
        if (nextBackslash < i) nextBackslash = indexOrEnd(chunk, '\\', i);
        if (nextBackslash < nextQuote) {
          i = nextBackslash + 1;
          this.escaped = true;
          continue;
        }
        // The string goes on into the next chunk.
        if (nextQuote === n) break;
        i = nextQuote + 1;
        this.inString = false;
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === QUOTE) {
        this.inString = true;
        this.hasContent = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth++;
        if (this.depth > this.elementDepth) this.elementDepth = this.depth;
        this.hasContent = true;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.depth > 0) {
          this.depth--;
        } else if (c === CLOSE_BRACKET) {
          this.finishElement(chunk, segmentStart, i, out, true);
          this.phase = 'after';
          return i + 1;
        } else {
          throw new JsonArraySplitError('invalidElement', 'unbalanced "}"', this.count);
        }
      } else if (c === COMMA && this.depth === 0) {
        this.finishElement(chunk, segmentStart, i, out, false);
        segmentStart = i + 1;
      } else if (!isWhitespace(c)) {
        this.hasContent = true;
      }
      i++;
    }
    // The chunk ended inside an element: keep its text for the next chunk.
    const carried = this.pending.length + (n - segmentStart);
    if (carried > this.maxElementChars) this.tooLarge(carried);
    if (segmentStart < n) this.pending += chunk.slice(segmentStart, n);
    return n;
  }

  private finishElement(chunk: string, from: number, to: number, out: unknown[], closing: boolean): void {
    if (!this.hasContent) {
      // "[]" and "[ ]" close with no element; anything else empty is a stray comma.
      if (closing && !this.expectElement && this.count === 0) {
        this.pending = '';
        return;
      }
      throw new JsonArraySplitError('invalidElement', 'an element is empty (stray comma)', this.count);
    }
    const length = this.pending.length + (to - from);
    if (length > this.maxElementChars) this.tooLarge(length);
    const text = this.pending === '' ? chunk.slice(from, to) : this.pending + chunk.slice(from, to);
    this.pending = '';
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new JsonArraySplitError(
        'invalidElement',
        `element ${this.count} is not valid JSON (${(error as Error).message})`,
        this.count,
      );
    }
    // Kept on the record so the event can carry the original without serializing it again.
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      attachJsonText(value, RAW_JSON_TEXT, text.trim());
      attachJsonDepth(value, this.elementDepth);
    }
    this.elementDepth = 0;
    out.push(value);
    this.count++;
    this.hasContent = false;
    this.expectElement = !closing;
  }

  private tooLarge(length: number): never {
    throw new JsonArraySplitError(
      'elementTooLarge',
      `element ${this.count} exceeds ${this.maxElementChars} characters (at least ${length})`,
      this.count,
    );
  }
}

/** Splits a whole text at once (tests, small bodies). */
export function splitJsonArray(text: string, maxElementChars?: number): unknown[] {
  const splitter = new JsonArraySplitter(maxElementChars);
  const out = splitter.push(text);
  splitter.end();
  return out;
}

/**
 * Yields the elements of a JSON array read from a stream of UTF-8 bytes (or text). A multi-byte
 * character split across chunks is reassembled by the streaming decoder before the splitter sees it.
 */
export async function* splitJsonArrayStream(
  source: AsyncIterable<Uint8Array | string>,
  options: { maxElementChars?: number } = {},
): AsyncGenerator<unknown, void, undefined> {
  const splitter = new JsonArraySplitter(options.maxElementChars);
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    for (const element of splitter.push(text)) yield element;
  }
  const rest = decoder.decode();
  if (rest !== '') for (const element of splitter.push(rest)) yield element;
  splitter.end();
}

function indexOrEnd(text: string, needle: string, from: number): number {
  const at = text.indexOf(needle, from);
  return at === -1 ? text.length : at;
}

function describe(text: string, at: number): string {
  return JSON.stringify(text.slice(at, at + 20));
}
