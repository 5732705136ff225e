/**
 * `npm run cli -- normalize [FILE] [--tenant-name NAME] [--tenant-id ID] [--preserve-original]`: raw
 * Management Activity records (a JSON array, or NDJSON, from FILE or standard input) to ECS events,
 * one per line on standard output; `--preserve-original` adds each record's exact text as
 * `event.original`, as PRESERVE_ORIGINAL_EVENT=true does in the receiver. Rejected records go to
 * standard error with where they were and why; the good ones are still written, and the exit status
 * is 1 if any was rejected.
 */
import { readFile } from 'node:fs/promises';
import { splitJsonArray } from '../../shared/managementApi';
import { normalizeRecord, NormalizeContext } from '../../shared/normalize';
import { serializeEvent } from '../../shared/normalize/serialize';
import { attachJsonText, RAW_JSON_TEXT } from '../../shared/rawJson';
import type { CliCommand, CliIo } from './command';

const USAGE =
  'usage: normalize [FILE] [--tenant-name NAME] [--tenant-id ID] [--preserve-original]  (reads standard input without FILE)';
/** Output is written in slices of about this many characters, honouring the stream's back-pressure. */
const FLUSH_CHARS = 256 * 1024;

interface Options {
  file?: string;
  context: NormalizeContext;
}

function parseArgs(args: string[]): Options | string {
  const options: Options = { context: {} };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--preserve-original') {
      options.context.preserveOriginal = true;
      continue;
    }
    if (arg === '--tenant-name' || arg === '--tenant-id') {
      const value = args[++i];
      if (value === undefined || value === '') return `${arg} needs a value`;
      if (arg === '--tenant-name') options.context.tenantName = value;
      else options.context.tenantId = value;
    } else if (arg.startsWith('--tenant-name=')) {
      options.context.tenantName = arg.slice('--tenant-name='.length);
    } else if (arg.startsWith('--tenant-id=')) {
      options.context.tenantId = arg.slice('--tenant-id='.length);
    } else if (arg.startsWith('-') && arg !== '-') {
      return `unknown option ${arg}`;
    } else if (options.file !== undefined) {
      return `only one FILE can be given (got ${options.file} and ${arg})`;
    } else {
      options.file = arg;
    }
  }
  return options;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One raw record and where it was in the input, for messages a user can act on. */
interface Located {
  where: string;
  value?: unknown;
  error?: string;
}

/**
 * A JSON array, a single JSON value, or NDJSON. A bad NDJSON line is one rejected record, not the
 * end of the run; input that is neither format at all is an error.
 */
export function splitInput(text: string): Located[] | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) {
    // Split as the pipeline splits content blobs, so each record keeps its exact text (event.original).
    let parsed: unknown[];
    try {
      parsed = splitJsonArray(trimmed);
    } catch (e) {
      return { error: `input is not valid JSON: ${(e as Error).message}` };
    }
    return parsed.map((value, i) => ({ where: `index ${i}`, value }));
  }
  try {
    return [{ where: 'index 0', value: JSON.parse(trimmed) as unknown }];
  } catch {
    // Not one JSON value: read it as NDJSON.
  }
  const out: Located[] = [];
  let parsedAny = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        attachJsonText(value, RAW_JSON_TEXT, line);
      }
      out.push({ where: `line ${i + 1}`, value });
      parsedAny = true;
    } catch (e) {
      out.push({ where: `line ${i + 1}`, error: `invalid JSON (${(e as Error).message})` });
    }
  }
  if (!parsedAny)
    return { error: `input is neither a JSON array nor NDJSON: ${out[0]?.where}: ${out[0]?.error}` };
  return out;
}

/** The record's event as one line of JSON, or why there is none. */
function eventLine(value: unknown, context: NormalizeContext): { line: string } | { error: string } {
  const result = normalizeRecord(value, context);
  if (!result.ok) return { error: result.reason };
  try {
    return { line: serializeEvent(result.event) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(text, (err) => {
      if (err) reject(err);
    });
    if (ok) resolve();
    else stream.once('drain', () => resolve());
  });
}

async function run(args: string[], io: CliIo): Promise<number> {
  const options = parseArgs(args);
  if (options === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof options === 'string') {
    io.stderr.write(`error: ${options}\n${USAGE}\n`);
    return 2;
  }
  let text: string;
  const source = options.file === undefined || options.file === '-' ? 'standard input' : options.file;
  try {
    text = source === 'standard input' ? await readAll(io.stdin) : await readFile(source, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.stderr.write(`error: cannot read ${source}: ${err.code ?? err.message}\n`);
    return 1;
  }
  const records = splitInput(text);
  if (!Array.isArray(records)) {
    io.stderr.write(`error: ${source}: ${records.error}\n`);
    return 1;
  }

  let rejected = 0;
  let pending = '';
  for (const item of records) {
    const outcome = item.error === undefined ? eventLine(item.value, options.context) : { error: item.error };
    if ('line' in outcome) {
      pending += outcome.line + '\n';
      if (pending.length >= FLUSH_CHARS) {
        await write(io.stdout, pending);
        pending = '';
      }
    } else {
      rejected++;
      io.stderr.write(`rejected record at ${item.where}: ${outcome.error}\n`);
    }
  }
  if (pending !== '') await write(io.stdout, pending);
  if (rejected > 0) {
    io.stderr.write(`${rejected} of ${records.length} records rejected\n`);
    return 1;
  }
  return 0;
}

export const command: CliCommand = {
  usage: USAGE,
  summary: 'normalize raw audit records (JSON array or NDJSON, FILE or stdin) to ECS events as NDJSON',
  run,
};
