/**
 * What writing `event.original` costs, and whether anything written in JavaScript escapes a record's
 * text faster than JSON.stringify does, against the same run's JSON.parse + JSON.stringify of the
 * same records (normalize.bench.ts's baseline and records), so the share of the normalize budget
 * the escape alone takes reads off directly. The alternatives are only measured: on Node 20 each is
 * slower. (A byte loop over a reused Buffer escaped about a quarter faster on its own, but made the
 * whole normalize pass no faster, since its result is one more string to allocate and join.)
 */
import type { Figure } from './figure';
import { recordLines } from './normalize.bench';

const ROUNDS = 5;

function rate(lines: string[], transform: (line: string) => string): number {
  let chars = 0;
  const start = process.hrtime.bigint();
  for (const line of lines) chars += transform(line).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (chars === 0) throw new Error('nothing was written');
  return lines.length / seconds;
}

// Valid JSON text without line breaks or control characters needs only quotes and backslashes escaped.
const candidates: Record<string, (line: string) => string> = {
  'JSON.stringify(text)': (line) => JSON.stringify(line),
  replaceAll: (line) => `"${line.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`,
  'split+join': (line) => `"${line.split('\\').join('\\\\').split('"').join('\\"')}"`,
  'regex replace': (line) => `"${line.replace(/["\\]/g, '\\$&')}"`,
};

const baseline = (line: string): string => JSON.stringify(JSON.parse(line));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function run(): Promise<Figure[]> {
  const lines = recordLines();
  for (const line of lines.slice(0, 100)) {
    for (const [name, escape] of Object.entries(candidates)) {
      if (escape(line) !== JSON.stringify(line)) throw new Error(`${name} differs from JSON.stringify`);
    }
  }
  const all = { baseline, ...candidates };
  for (const transform of Object.values(all)) rate(lines, transform); // warm-up
  const rates = new Map<string, number[]>(Object.keys(all).map((name) => [name, []]));
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, transform] of Object.entries(all)) rates.get(name)?.push(rate(lines, transform));
  }
  const base = median(rates.get('baseline') ?? []);
  return Object.keys(candidates).map((name) => {
    const value = median(rates.get(name) ?? []);
    return {
      name: `escape original: ${name}`,
      value: Math.round(value),
      unit: 'records/s',
      ratio: value / base,
      baseline: 'JSON.parse+stringify',
    };
  });
}
