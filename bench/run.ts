/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints one
 * line per figure: `<name>: <value> <unit> (<ratio>x <baseline>)`. Each figure is measured against a
 * baseline taken in the same run, so ratios compare across machines where raw numbers do not.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchModule, Figure } from './figure';
import { formatFigure } from './figure';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => /\.bench\.(ts|js)$/.test(f))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  for (const file of files) {
    const mod = (await import(path.join(__dirname, file))) as BenchModule;
    const figures: Figure[] = await mod.run();
    for (const f of figures) process.stdout.write(formatFigure(f) + '\n');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
