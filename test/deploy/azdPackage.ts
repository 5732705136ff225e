/**
 * What azd does to a Function App service once its package folder exists, so a test can check the
 * very zip it would upload: walk the folder, leave out `.azure` folders, the ignore file itself,
 * local.settings.json and whatever `.funcignore` (read from that folder) excludes — an excluded
 * folder is not entered — then zip. For `.funcignore`, azd from 1.23.13 follows gitignore rules;
 * 1.23.5 to 1.23.12 drop a path that any line matches, a negated (`!`) line included. A path is
 * left out here when either reading does, so the package is checked as the oldest supported azd
 * would build it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import ignore from 'ignore';

type Ignore = ignore.Ignore;

const IGNORE_FILE = '.funcignore';

interface FuncIgnore {
  /** gitignore semantics (azd 1.23.13 and later). */
  current: Ignore;
  /** One matcher per line, negation dropped (azd 1.23.5 to 1.23.12). */
  perLine: Ignore[];
}

function readFuncIgnore(root: string): FuncIgnore | undefined {
  const file = path.join(root, IGNORE_FILE);
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return {
    current: ignore().add(lines),
    perLine: lines.map((l) => ignore().add(l.startsWith('!') ? l.slice(1) : l)),
  };
}

/** Whether azd leaves this repo-relative path out of the zip (posix separators). */
export function azdExcludes(rules: FuncIgnore | undefined, relative: string, isDir: boolean): boolean {
  const name = path.posix.basename(relative);
  if (isDir && name === '.azure') return true;
  if (!isDir && (name === IGNORE_FILE || name === 'local.settings.json')) return true;
  if (!rules) return false;
  const probe = isDir ? `${relative}/` : relative;
  return rules.current.ignores(probe) || rules.perLine.some((line) => line.ignores(probe));
}

/** The files azd would put in the zip, as posix paths relative to `root`. */
export function azdPackageFiles(root: string): string[] {
  const rules = readFuncIgnore(root);
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (azdExcludes(rules, child, entry.isDirectory())) continue;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

export function zipPackage(root: string): Uint8Array {
  const files: Zippable = {};
  for (const file of azdPackageFiles(root)) files[file] = readFileSync(path.join(root, file));
  return zipSync(files, { level: 1 });
}

/** Unpacks a zip into `target`; returns the entry names. */
export function unzipTo(zip: Uint8Array, target: string): string[] {
  const entries = unzipSync(zip);
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const file = path.join(target, name);
    if (!file.startsWith(target + path.sep)) throw new Error(`zip entry escapes the target: ${name}`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
  }
  return Object.keys(entries);
}
