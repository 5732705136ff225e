import fc from 'fast-check';
import {
  JsonArraySplitError,
  JsonArraySplitter,
  splitJsonArray,
  splitJsonArrayStream,
} from '../../shared/managementApi';

function splitInPieces(text: string, sizes: number[]): unknown[] {
  const splitter = new JsonArraySplitter();
  const out: unknown[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= text.length) break;
    out.push(...splitter.push(text.slice(at, at + size)));
    at += size;
  }
  if (at < text.length) out.push(...splitter.push(text.slice(at)));
  splitter.end();
  return out;
}

function everySplit(text: string): unknown[][] {
  const results: unknown[][] = [];
  for (let cut = 0; cut <= text.length; cut++) results.push(splitInPieces(text, [cut]));
  return results;
}

function failureOf(run: () => unknown): JsonArraySplitError {
  try {
    run();
  } catch (error) {
    if (error instanceof JsonArraySplitError) return error;
    throw error;
  }
  throw new Error('expected a JsonArraySplitError');
}

async function collect(source: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function* bytesOf(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

describe('JSON array splitter', () => {
  it('yields every top-level element of an array of mixed values', () => {
    const value = [{ a: 1, b: [1, 2, { c: ']' }] }, 'x', 3.5, null, true, [[], {}], { '': '' }];
    expect(splitJsonArray(JSON.stringify(value))).toEqual(value);
    expect(splitJsonArray(JSON.stringify(value, null, 2))).toEqual(value);
  });

  it('yields nothing for an empty array, with or without whitespace', () => {
    expect(splitJsonArray('[]')).toEqual([]);
    expect(splitJsonArray(' \n[ \t\r\n ]\n ')).toEqual([]);
  });

  it('finds the same elements wherever a chunk boundary falls, inside strings and escapes included', () => {
    const value = [
      { s: 'quote " and backslash \\ and \\" and ] } , [ {' },
      'ends with backslash \\',
      '\\"',
      { u: '\u00e9\u4e2d\ud83d\ude00', esc: '\u0001\n\t' },
      [1, [2, [3, [4]]]],
    ];
    const text = JSON.stringify(value);
    for (const result of everySplit(text)) expect(result).toEqual(value);
    // \uXXXX escapes written out literally, split between their digits.
    const escaped = '["\\u00e9\\ud83d\\ude00", "\\\\u0041"]';
    for (const result of everySplit(escaped)) expect(result).toEqual(['\u00e9\ud83d\ude00', '\\u0041']);
  });

  it('reassembles a multi-byte character split across byte chunks', async () => {
    const text = JSON.stringify([{ name: 'Zoë 中文 😀' }, 'ü']);
    const bytes = new TextEncoder().encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const out = await collect(splitJsonArrayStream(bytesOf([bytes.slice(0, cut), bytes.slice(cut)])));
      expect(out).toEqual([{ name: 'Zoë 中文 😀' }, 'ü']);
    }
  });

  it('reports a truncated array, naming how many elements were complete', () => {
    for (const text of ['[', '[1,', '[{"a":1}', '[{"a":"unterminated', '["x\\']) {
      const error = failureOf(() => splitJsonArray(text));
      expect(error.kind).toBe('truncated');
    }
    expect(failureOf(() => splitJsonArray('[1,2,{"a"')).elementIndex).toBe(2);
  });

  it('refuses input that is not an array', () => {
    for (const text of ['{"error":{"code":"AF20051"}}', '"text"', '42', 'null', '<html>', '']) {
      expect(failureOf(() => splitJsonArray(text)).kind).toBe('notArray');
    }
  });

  it('refuses anything after the closing bracket', () => {
    expect(failureOf(() => splitJsonArray('[1] 2')).kind).toBe('trailingData');
    expect(failureOf(() => splitJsonArray('[1][2]')).kind).toBe('trailingData');
    expect(splitJsonArray('[1] \n')).toEqual([1]);
  });

  it('refuses empty elements and invalid element JSON with the element index', () => {
    expect(failureOf(() => splitJsonArray('[1,,2]'))).toMatchObject({
      kind: 'invalidElement',
      elementIndex: 1,
    });
    expect(failureOf(() => splitJsonArray('[,1]'))).toMatchObject({
      kind: 'invalidElement',
      elementIndex: 0,
    });
    expect(failureOf(() => splitJsonArray('[1,]'))).toMatchObject({
      kind: 'invalidElement',
      elementIndex: 1,
    });
    expect(failureOf(() => splitJsonArray('[1, {a:1}]'))).toMatchObject({
      kind: 'invalidElement',
      elementIndex: 1,
    });
    expect(failureOf(() => splitJsonArray('[1 2]'))).toMatchObject({
      kind: 'invalidElement',
      elementIndex: 0,
    });
    expect(failureOf(() => splitJsonArray('[}]'))).toMatchObject({ kind: 'invalidElement', elementIndex: 0 });
  });

  it('bounds the size of one element, also when it spans chunks', () => {
    const big = JSON.stringify(['small', 'x'.repeat(200)]);
    expect(failureOf(() => splitJsonArray(big, 100))).toMatchObject({
      kind: 'elementTooLarge',
      elementIndex: 1,
    });
    const splitter = new JsonArraySplitter(100);
    expect(splitter.push('["small", "')).toEqual(['small']);
    splitter.push('y'.repeat(60));
    expect(failureOf(() => splitter.push('y'.repeat(60)))).toMatchObject({ kind: 'elementTooLarge' });
    expect(splitJsonArray(JSON.stringify(['z'.repeat(90)]), 100)).toEqual(['z'.repeat(90)]);
  });

  it('accepts a leading byte-order mark', () => {
    expect(splitJsonArray('\ufeff[1]')).toEqual([1]);
  });

  it('for any JSON array split at random boundaries, yields exactly its elements', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue()),
        fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 200 }),
        fc.boolean(),
        (elements, sizes, pretty) => {
          const text = pretty ? JSON.stringify(elements, null, 2) : JSON.stringify(elements);
          // JSON round trip: -0 becomes 0, which is what JSON.parse gives for the whole text too.
          expect(splitInPieces(text, sizes)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for any JSON array sent as UTF-8 bytes in random chunks, yields exactly its elements', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 16 }), { maxLength: 100 }),
        async (elements, sizes) => {
          const text = JSON.stringify(elements);
          const bytes = new TextEncoder().encode(text);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const size of sizes) {
            if (at >= bytes.length) break;
            chunks.push(bytes.slice(at, at + size));
            at += size;
          }
          if (at < bytes.length) chunks.push(bytes.slice(at));
          expect(await collect(splitJsonArrayStream(bytesOf(chunks)))).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('for any truncation of a non-empty array, reports truncation instead of yielding a partial element', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1 }),
        fc.nat(),
        (elements, cutSeed) => {
          const text = JSON.stringify(elements);
          const cut = cutSeed % (text.length - 1);
          const splitter = new JsonArraySplitter();
          const yielded = splitter.push(text.slice(0, cut));
          expect(() => splitter.end()).toThrow(JsonArraySplitError);
          // Every element yielded before the cut is a whole, correct element.
          expect(yielded).toEqual((JSON.parse(text) as unknown[]).slice(0, yielded.length));
        },
      ),
      { numRuns: 300 },
    );
  });
});
