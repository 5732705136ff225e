/**
 * Just enough of Bicep's lexical rules to check infra/ without the Bicep CLI (which cannot be
 * installed on these machines): strings (with `${…}` interpolations that may hold braces and nested
 * strings), `'''` verbatim strings, comments, and brace matching on what is left.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

export interface ScannedBicep {
  /** The source with comments replaced by spaces (strings kept): for searching code. */
  code: string;
  /** The source with comments and string contents replaced by spaces: for structure. */
  structure: string;
}

/** Replaces comments (and, in `structure`, strings) by spaces, keeping every offset and newline. */
export function scanBicep(source: string): ScannedBicep {
  const code = source.split('');
  const structure = source.split('');
  const blank = (target: string[], from: number, to: number) => {
    for (let k = from; k < to; k++) if (target[k] !== '\n') target[k] = ' ';
  };

  // Returns the index just past the string that starts at `start` (a quote).
  const skipString = (start: number): number => {
    if (source.startsWith("'''", start)) {
      const end = source.indexOf("'''", start + 3);
      return end === -1 ? source.length : end + 3;
    }
    let k = start + 1;
    while (k < source.length) {
      const ch = source[k];
      if (ch === '\\') k += 2;
      else if (ch === "'") return k + 1;
      else if (ch === '$' && source[k + 1] === '{') k = skipInterpolation(k + 2);
      else k++;
    }
    return source.length;
  };
  const skipInterpolation = (start: number): number => {
    let depth = 1;
    let k = start;
    while (k < source.length && depth > 0) {
      const ch = source[k];
      if (ch === "'") k = skipString(k);
      else {
        if (ch === '{') depth++;
        else if (ch === '}') depth--;
        k++;
      }
    }
    return k;
  };

  let i = 0;
  while (i < source.length) {
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      blank(code, i, stop);
      blank(structure, i, stop);
      i = stop;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      blank(code, i, stop);
      blank(structure, i, stop);
      i = stop;
    } else if (source[i] === "'") {
      const stop = skipString(i);
      // Keep the quotes so a blanked string still reads as a value.
      blank(structure, i + 1, stop - 1);
      i = stop;
    } else {
      i++;
    }
  }
  return { code: code.join(''), structure: structure.join('') };
}

/** Index of the bracket closing the one at `open` (`{`/`[`/`(`), in comment- and string-free text. */
export function matchingBracket(structure: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const opener = structure[open];
  const closer = pairs[opener];
  if (!closer) throw new Error(`no bracket at offset ${open}`);
  let depth = 0;
  for (let k = open; k < structure.length; k++) {
    if (structure[k] === opener) depth++;
    else if (structure[k] === closer) {
      depth--;
      if (depth === 0) return k;
    }
  }
  throw new Error(`unbalanced "${opener}" at offset ${open}`);
}

export interface ObjectEntry {
  key: string;
  /** The value's source text, trimmed. */
  value: string;
}

/**
 * Top-level entries of the object literal whose `{` is at `open`. Keys must be identifiers or quoted
 * names, one entry per line (Bicep's own layout rule for multi-line objects).
 */
export function objectEntries(source: string, scanned: ScannedBicep, open: number): ObjectEntry[] {
  const close = matchingBracket(scanned.structure, open);
  const entries: ObjectEntry[] = [];
  const keyPattern = /^[ \t]*([A-Za-z_][A-Za-z0-9_]*|'[^']*')[ \t]*:/;
  let depth = 0;
  let lineStart = open + 1;
  for (let k = open + 1; k <= close; k++) {
    const ch = scanned.structure[k];
    if (depth === 0 && (ch === '\n' || k === close)) {
      const line = scanned.structure.slice(lineStart, k);
      const m = keyPattern.exec(line);
      if (m) {
        const valueStart = lineStart + m[0].length;
        const valueEnd = endOfValue(scanned.structure, valueStart, close);
        const rawKey = source
          .slice(lineStart, lineStart + m[0].length)
          .trim()
          .replace(/:$/, '')
          .trim();
        entries.push({
          key: rawKey.replace(/^'(.*)'$/, '$1'),
          value: source.slice(valueStart, valueEnd).trim(),
        });
      }
      lineStart = k + 1;
    }
    if ('{[('.includes(ch)) depth++;
    else if ('}])'.includes(ch)) depth--;
  }
  return entries;
}

/** A value ends at the first newline outside brackets (or at the object's end). */
function endOfValue(structure: string, start: number, limit: number): number {
  let depth = 0;
  for (let k = start; k < limit; k++) {
    const ch = structure[k];
    if ('{[('.includes(ch)) depth++;
    else if ('}])'.includes(ch)) depth--;
    else if (ch === '\n' && depth === 0) return k;
  }
  return limit;
}

/** The entries of `var <name> = { … }`. */
export function varObject(source: string, name: string): ObjectEntry[] {
  const scanned = scanBicep(source);
  const m = new RegExp(`^var\\s+${name}\\s*=\\s*\\{`, 'm').exec(scanned.structure);
  if (!m) throw new Error(`no "var ${name} = {" in this file`);
  return objectEntries(source, scanned, m.index + m[0].length - 1);
}

/** The string items of `var <name> = [ … ]` (one-line or multi-line). */
export function varStringArray(source: string, name: string): string[] {
  const scanned = scanBicep(source);
  const m = new RegExp(`^var\\s+${name}\\s*=\\s*\\[`, 'm').exec(scanned.structure);
  if (!m) throw new Error(`no "var ${name} = [" in this file`);
  const open = m.index + m[0].length - 1;
  const body = scanned.code.slice(open + 1, matchingBracket(scanned.structure, open));
  return [...body.matchAll(/'([^']*)'/g)].map((x) => x[1]);
}

export interface ResourceDeclaration {
  file: string;
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  /** Top-level properties of the resource body (for a loop, of the looped body). */
  entries: ObjectEntry[];
}

/** Every `resource` declaration of a file, with its body's top-level entries. */
export function resources(file: string, source: string): ResourceDeclaration[] {
  const scanned = scanBicep(source);
  const found: ResourceDeclaration[] = [];
  const decl = /^resource\s+(\w+)\s+'([^'@]+)@([^']+)'(\s+existing)?\s*=/gm;
  for (const m of scanned.code.matchAll(decl)) {
    const start = m.index + m[0].length;
    const open = scanned.structure.indexOf('{', start);
    if (open === -1) throw new Error(`${file}: resource ${m[1]} has no body`);
    found.push({
      file,
      symbol: m[1],
      type: m[2],
      apiVersion: m[3],
      existing: Boolean(m[4]),
      entries: objectEntries(source, scanned, open),
    });
  }
  return found;
}

/** `param` declarations: name, type and whether a default follows. */
export function params(source: string): { name: string; type: string; hasDefault: boolean }[] {
  const scanned = scanBicep(source);
  return [...scanned.code.matchAll(/^param\s+(\w+)\s+([\w[\]]+)(\s*=)?/gm)].map((m) => ({
    name: m[1],
    type: m[2],
    hasDefault: Boolean(m[3]),
  }));
}

/** Every .bicep file under infra/, as repo-relative path and text. */
export function bicepFiles(dir = INFRA_DIR): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...bicepFiles(full));
    else if (entry.name.endsWith('.bicep')) {
      out.push({ path: relative(REPO_ROOT, full), text: readFileSync(full, 'utf8') });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}
