/**
 * Normalization throughput, raw record text to normalized event text (JSON.parse, normalizeRecord,
 * serializeEvent, as the pipeline does: the record's own text is spliced in as o365.audit, with
 * reshaped values replaced), against the same run's JSON.parse + JSON.stringify of the same records:
 * the least any receiver that touches the records must do. Goal: at least 0.5x the baseline, with
 * the default settings. Also measured with PRESERVE_ORIGINAL_EVENT=true, where the record's text is
 * written a second time, escaped, as event.original.
 */
import { CONTENT_TYPES } from '../shared/contentTypes';
import { normalizeRecord } from '../shared/normalize';
import { serializeEvent } from '../shared/normalize/serialize';
import { attachJsonText, RAW_JSON_TEXT } from '../shared/rawJson';
import { generateRecords } from '../local/simulator/generator';
import type { Figure } from './figure';

const PER_CONTENT_TYPE = 4000;
const ROUNDS = 7;
const TENANT_ID = '4d5e6f70-8192-4a3b-9c4d-5e6f70819203';

export function recordLines(): string[] {
  const lines: string[] = [];
  CONTENT_TYPES.forEach((contentType, i) => {
    for (const record of generateRecords(contentType, PER_CONTENT_TYPE, {
      seed: 1000 + i,
      tenantId: TENANT_ID,
    })) {
      lines.push(JSON.stringify(record));
    }
  });
  return lines;
}

/** Returns records per second for one pass; the output length is kept so the work is not elided. */
function timePass(lines: string[], transform: (line: string) => string): { rate: number; chars: number } {
  let chars = 0;
  const start = process.hrtime.bigint();
  for (const line of lines) chars += transform(line).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: lines.length / seconds, chars };
}

const baseline = (line: string): string => JSON.stringify(JSON.parse(line));

// As in the pipeline: the blob splitter keeps each record's text, and the event splices it in.
const normalizeWith =
  (preserveOriginal: boolean) =>
  (line: string): string => {
    const record = JSON.parse(line) as object;
    attachJsonText(record, RAW_JSON_TEXT, line);
    const result = normalizeRecord(record, { tenantName: 'Contoso', preserveOriginal });
    return result.ok ? serializeEvent(result.event) : result.reason;
  };
const normalize = normalizeWith(false);
// PRESERVE_ORIGINAL_EVENT=true: the same events with event.original.
const normalizeWithOriginal = normalizeWith(true);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run(): Promise<Figure[]> {
  const lines = recordLines();
  // Warm up every path so the JIT has compiled them before anything is timed.
  timePass(lines, baseline);
  timePass(lines, normalize);
  timePass(lines, normalizeWithOriginal);
  const baseRates: number[] = [];
  const normRates: number[] = [];
  const originalRates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    baseRates.push(timePass(lines, baseline).rate);
    normRates.push(timePass(lines, normalize).rate);
    originalRates.push(timePass(lines, normalizeWithOriginal).rate);
  }
  const base = median(baseRates);
  const norm = median(normRates);
  const withOriginal = median(originalRates);
  return [
    {
      name: 'normalize',
      value: Math.round(norm),
      unit: 'records/s',
      ratio: norm / base,
      baseline: 'JSON.parse+stringify',
    },
    {
      name: 'normalize, PRESERVE_ORIGINAL_EVENT=true',
      value: Math.round(withOriginal),
      unit: 'records/s',
      ratio: withOriginal / base,
      baseline: 'JSON.parse+stringify',
    },
  ];
}
