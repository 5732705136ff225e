import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitJsonArray } from '../../shared/managementApi';
import { normalizeRecord } from '../../shared/normalize';
import type { EcsEvent } from '../../shared/normalize';
import { serializeEvent, UnserializableEventError } from '../../shared/normalize/serialize';
import { attachJsonText, RAW_JSON_TEXT, rawJsonTextOf, SERIALIZED_JSON } from '../../shared/rawJson';
import { ndjsonLine } from '../../shared/sinks/sink';
import { fixtureFiles, loadRecords, RECORDS_DIR } from './records';

export const CRLF_FIXTURE = 'indented-crlf-blob.json';

/** With event.original (PRESERVE_ORIGINAL_EVENT=true), unless asked for the default. */
function eventOf(record: unknown, preserveOriginal = true): EcsEvent {
  const result = normalizeRecord(record, { preserveOriginal });
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

/** The records of a fixture as a blob with no line breaks would bring them, each with its text. */
function compactRecords(file: string): unknown[] {
  return splitJsonArray(JSON.stringify(loadRecords(file)));
}

describe('serializeEvent', () => {
  it.each(fixtureFiles())('writes each record of %s, compact, as the JSON of its event', (file) => {
    const records = compactRecords(file);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      const event = eventOf(record);
      const text = serializeEvent(event);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(event)));
      expect(event.event.original).toBe(rawJsonTextOf(record));
      // Unreshaped records are written from their own text, byte for byte.
      if (event.o365.audit === record) expect(text).toContain(`"audit":${rawJsonTextOf(record)}`);
      // The default, without event.original: the same event otherwise, spliced the same way.
      const lean = eventOf(record, false);
      const leanText = serializeEvent(lean);
      expect(JSON.parse(leanText)).toEqual(JSON.parse(JSON.stringify(lean)));
      expect(JSON.parse(leanText).event).not.toHaveProperty('original');
      if (lean.o365.audit === record) expect(leanText).toContain(`"audit":${rawJsonTextOf(record)}`);
    }
  });

  it.each(fixtureFiles())(
    'writes each record of %s, indented, on one line with its exact text in event.original',
    (file) => {
      const text = readFileSync(path.join(RECORDS_DIR, file), 'utf8');
      for (const record of splitJsonArray(text)) {
        const event = eventOf(record);
        const line = serializeEvent(event);
        expect(line).not.toMatch(/[\r\n]/);
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(event)));
        expect(JSON.parse(line).event.original).toBe(rawJsonTextOf(record));
      }
    },
  );

  it('keeps CRLF and indentation of the original only inside event.original', () => {
    const text = readFileSync(path.join(RECORDS_DIR, CRLF_FIXTURE), 'utf8');
    expect(text).toContain('\r\n    ');
    const records = splitJsonArray(text);
    expect(records).toHaveLength(3);
    for (const record of records) {
      const line = serializeEvent(eventOf(record));
      expect(line).not.toMatch(/[\r\n]/);
      const parsed = JSON.parse(line) as { event: { original: string }; o365: { audit: { Id: string } } };
      expect(parsed.event.original).toContain('\r\n');
      expect(parsed.o365.audit.Id).toBe((record as { Id: string }).Id);
    }
  });

  it('writes a reshaped record from its own text, with only the reshaped values replaced', () => {
    const [record] = splitJsonArray(
      '[{"Id":"r1","Operation":"Set-Mailbox","Big":12345678901234567890123,' +
        '"Parameters":[{"Name":"ForwardTo","Value":"x@evil.example"}],"Tail":"Parameters"}]',
    );
    const event = eventOf(record);
    expect(event.o365.audit).not.toBe(record);
    const text = serializeEvent(event);
    expect(text).toContain(
      '"audit":{"Id":"r1","Operation":"Set-Mailbox","Big":12345678901234567890123,' +
        '"Parameters":{"ForwardTo":"x@evil.example"},"Tail":"Parameters"}',
    );
  });

  it('replaces a reshaped value only where its name is a key, not where a longer key or an escaped string ends with it', () => {
    const [record] = splitJsonArray(
      '[{"Id":"r4","Note":"say \\"Parameters\\": here","XParameters":[{"Name":"B","Value":"2"}],' +
        '"Parameters":[{"Name":"A","Value":"1"}],"Big":12345678901234567890123}]',
    );
    const text = serializeEvent(eventOf(record));
    expect(text).toContain(
      '"audit":{"Id":"r4","Note":"say \\"Parameters\\": here","XParameters":[{"Name":"B","Value":"2"}],' +
        '"Parameters":{"A":"1"},"Big":12345678901234567890123}',
    );
  });

  it('serializes a reshaped record whose key also appears deeper down, rather than guess which to replace', () => {
    const [record] = splitJsonArray(
      '[{"Id":"r2","Nested":{"Parameters":[1]},"Parameters":[{"Name":"A","Value":"1"}],"Big":12345678901234567890123}]',
    );
    const event = eventOf(record);
    const parsed = JSON.parse(serializeEvent(event)) as { o365: { audit: Record<string, unknown> } };
    expect(parsed.o365.audit).toEqual(JSON.parse(JSON.stringify(event.o365.audit)));
    expect(parsed.o365.audit.Parameters).toEqual({ A: '1' });
    expect(parsed.o365.audit.Nested).toEqual({ Parameters: [1] });
  });

  it('writes any reshaped record as the JSON of its event, wherever and however its keys are written', () => {
    const nameValues = fc.array(
      fc.record({
        Name: fc.constantFrom('A', 'B', 'a.b', 'UserAgent'),
        Value: fc.jsonValue({ maxDepth: 1 }),
      }),
      { maxLength: 4 },
    );
    const value = fc.oneof(
      nameValues,
      nameValues.map((v) => JSON.stringify(v)),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constant('not json {'),
    );
    const keys = fc.constantFrom(
      'Parameters',
      'ExtendedProperties',
      'ModifiedProperties',
      'Data',
      'OperationProperties',
      'Other',
      'Name',
    );
    const blank = fc.constantFrom('', ' ', '  ', '\t');
    fc.assert(
      fc.property(fc.dictionary(keys, value, { maxKeys: 6 }), blank, (fields, space) => {
        const body = Object.entries({ Id: 'p1', ...fields })
          .map(([k, v]) => `${space}${JSON.stringify(k)}${space}:${space}${JSON.stringify(v)}`)
          .join(',');
        const [record] = splitJsonArray(`[{${body}${space}}]`);
        const event = eventOf(record);
        const line = serializeEvent(event);
        expect(line).not.toMatch(/[\r\n]/);
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(event)));
      }),
      { numRuns: 400 },
    );
  });

  it('serializes plainly when the record carries no text of its own', () => {
    const event = eventOf({ Id: 'a', Operation: 'X', CreationTime: '2024-01-01T00:00:00' });
    expect(serializeEvent(event)).toBe(JSON.stringify(event));
  });

  it('keeps large numbers exactly as Microsoft wrote them', () => {
    const [record] = splitJsonArray('[{"Id":"b","Operation":"X","Big":12345678901234567890123}]');
    expect(serializeEvent(eventOf(record))).toContain('"Big":12345678901234567890123');
  });

  it('is not fooled by record text that imitates its marker', () => {
    const [record] = splitJsonArray(
      '[{"Id":"c","Operation":"\\u0000o365-audit-000000000000000000000000\\u0000","UserId":"o365-audit"}]',
    );
    const event = eventOf(record);
    expect(JSON.parse(serializeEvent(event))).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it('leaves the event and the record unchanged', () => {
    const [record] = splitJsonArray('[ {"Id":"d","Operation":"FileUploaded"} ]');
    const event = eventOf(record);
    const before = JSON.stringify(event);
    serializeEvent(event);
    expect(JSON.stringify(event)).toBe(before);
    expect((record as { [RAW_JSON_TEXT]?: string })[RAW_JSON_TEXT]).toBe(
      '{"Id":"d","Operation":"FileUploaded"}',
    );
  });

  it('says why an event cannot be written, with a typed error', () => {
    const deep = JSON.parse(`{"Id":"e","Deep":${'['.repeat(20000)}${']'.repeat(20000)}}`) as object;
    const event = eventOf({ Id: 'e' });
    event.o365.audit = deep as Record<string, unknown>;
    expect(() => serializeEvent(event)).toThrow(UnserializableEventError);
    expect(() => serializeEvent(event)).toThrow(/cannot be written as JSON/);
  });
});

describe('ndjsonLine', () => {
  it('writes an event that carries its JSON text as that text', () => {
    const event = { a: 1 };
    attachJsonText(event, SERIALIZED_JSON, '{"a":1,"spliced":true}');
    expect(ndjsonLine(event, 0)).toBe('{"a":1,"spliced":true}\n');
    expect(ndjsonLine({ a: 1 }, 0)).toBe('{"a":1}\n');
  });
});
