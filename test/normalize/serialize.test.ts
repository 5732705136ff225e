import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitJsonArray } from '../../shared/managementApi';
import { normalizeRecord } from '../../shared/normalize';
import type { EcsEvent } from '../../shared/normalize';
import { serializeEvent } from '../../shared/normalize/serialize';
import { attachJsonText, RAW_JSON_TEXT, rawJsonTextOf, SERIALIZED_JSON } from '../../shared/rawJson';
import { ndjsonLine } from '../../shared/sinks/sink';
import { fixtureFiles, RECORDS_DIR } from './records';

function eventOf(record: unknown): EcsEvent {
  const result = normalizeRecord(record);
  if (!result.ok) throw new Error(result.reason);
  return result.event;
}

describe('serializeEvent', () => {
  it.each(fixtureFiles())('splices each record of %s back in as the same JSON', (file) => {
    // The splitter is what keeps each record's text in the pipeline.
    const records = splitJsonArray(readFileSync(path.join(RECORDS_DIR, file), 'utf8'));
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      if (rawJsonTextOf(record) === undefined) continue;
      const event = eventOf(record);
      const spliced = serializeEvent(event);
      expect(JSON.parse(spliced)).toEqual(JSON.parse(JSON.stringify(event)));
      expect(spliced).toContain(rawJsonTextOf(record));
    }
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
});

describe('ndjsonLine', () => {
  it('writes an event that carries its JSON text as that text', () => {
    const event = { a: 1 };
    attachJsonText(event, SERIALIZED_JSON, '{"a":1,"spliced":true}');
    expect(ndjsonLine(event, 0)).toBe('{"a":1,"spliced":true}\n');
    expect(ndjsonLine({ a: 1 }, 0)).toBe('{"a":1}\n');
  });
});
