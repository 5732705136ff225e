/** Loads the record fixtures (test/fixtures/records/*.json, each a JSON array of raw records). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeRecord } from '../../shared/normalize';
import type { EcsEvent, NormalizeContext } from '../../shared/normalize';

export const RECORDS_DIR = path.join(__dirname, '..', 'fixtures', 'records');

export function fixtureFiles(): string[] {
  return readdirSync(RECORDS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function loadRecords(file: string): Record<string, unknown>[] {
  return JSON.parse(readFileSync(path.join(RECORDS_DIR, file), 'utf8')) as Record<string, unknown>[];
}

/** The normalized event of the fixture record with this Id; fails the test if it was rejected. */
export function eventFor(file: string, id: string, context: NormalizeContext = {}): EcsEvent {
  const record = loadRecords(file).find((r) => r.Id === id);
  if (!record) throw new Error(`no record ${id} in ${file}`);
  const result = normalizeRecord(record, context);
  if (!result.ok) throw new Error(`record ${id} was rejected: ${result.reason}`);
  return result.event;
}
