import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../local/cli';
import type { CliIo } from '../../local/commands/command';
import { RECORDS_DIR } from './records';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join('') });
}

async function runCli(args: string[], stdinText = ''): Promise<Run> {
  const stdin = new PassThrough();
  stdin.end(stdinText);
  const stdout = sink();
  const stderr = sink();
  const io: CliIo = { stdin, stdout, stderr, env: {}, isTTY: false };
  const code = await main(['normalize', ...args], io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function lines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'normalize-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('normalize command', () => {
  it("keeps each record's exact text as event.original with --preserve-original, from a JSON array and from NDJSON", async () => {
    const array = await runCli(
      ['--preserve-original'],
      '[ {"Id": "x-1",  "Operation": "Send"},\r\n  {"Id":"x-2"} ]',
    );
    expect(array.code).toBe(0);
    expect(lines(array.stdout).map((e) => (e.event as { original: string }).original)).toEqual([
      '{"Id": "x-1",  "Operation": "Send"}',
      '{"Id":"x-2"}',
    ]);
    const ndjson = await runCli(
      ['--preserve-original'],
      '{"Id": "y-1"}\n{"Id":"y-2",  "Workload":"Exchange"}\n',
    );
    expect(lines(ndjson.stdout).map((e) => (e.event as { original: string }).original)).toEqual([
      '{"Id": "y-1"}',
      '{"Id":"y-2",  "Workload":"Exchange"}',
    ]);
  });

  it('leaves event.original out without --preserve-original, as the receiver does by default', async () => {
    const run = await runCli([], '[ {"Id": "x-1",  "Operation": "Send"} ]');
    expect(run.code).toBe(0);
    const [event] = lines(run.stdout);
    expect(event.event).not.toHaveProperty('original');
    expect((event.o365 as { audit: unknown }).audit).toEqual({ Id: 'x-1', Operation: 'Send' });
  });

  it('rejects a record too deep to write, with the reason, and writes the others', async () => {
    const deep = `{"Id":"deep","Parameters":[{"Name":"A","Value":${'['.repeat(20000)}${']'.repeat(20000)}}]}`;
    const run = await runCli([], `{"Id":"ok"}\n${deep}\n`);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toHaveLength(1);
    expect(run.stderr).toMatch(/rejected record at line 2: .*cannot be written as JSON/);
  });

  it('writes one ECS event per line for a JSON array file', async () => {
    const r = await runCli([path.join(RECORDS_DIR, 'sharepoint.json'), '--tenant-name', 'Contoso']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const events = lines(r.stdout);
    expect(events).toHaveLength(8);
    expect(events[0]).toMatchObject({
      event: { id: 'dac93a9f-f2fb-4cac-d18f-08d7abecfbb6' },
      organization: { name: 'Contoso' },
    });
  });

  it('reads NDJSON from standard input, reports bad lines and bad records with their line, and exits 1', async () => {
    const input = [
      '{"Id":"a","Operation":"FileAccessed","RecordType":6}',
      '',
      '{not json',
      '{"Operation":"x"}',
      '[1]',
      '{"Id":"b"}',
    ].join('\n');
    const r = await runCli([], input);
    expect(r.code).toBe(1);
    expect(lines(r.stdout).map((e) => (e.event as { id: string }).id)).toEqual(['a', 'b']);
    const err = r.stderr.trim().split('\n');
    expect(err[0]).toMatch(/^rejected record at line 3: invalid JSON/);
    expect(err[1]).toBe('rejected record at line 4: record has no Id');
    expect(err[2]).toBe('rejected record at line 5: record is an array, not a JSON object');
    expect(err[3]).toBe('3 of 5 records rejected');
  });

  it('names the array index of a rejected record and still writes the others', async () => {
    const r = await runCli([], JSON.stringify([{ Id: '1' }, 'oops', { Id: '3' }]));
    expect(r.code).toBe(1);
    expect(lines(r.stdout)).toHaveLength(2);
    expect(r.stderr).toContain('rejected record at index 1: record is a string, not a JSON object');
  });

  it('accepts a single pretty-printed record and --tenant-id for records without OrganizationId', async () => {
    const r = await runCli(['--tenant-id', 'ABC'], JSON.stringify({ Id: 'solo' }, null, 2));
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatchObject({ organization: { id: 'abc' } });
  });

  it('writes nothing and succeeds on empty input', async () => {
    expect(await runCli([], '  \n')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('fails with one line for an unreadable file', async () => {
    const r = await runCli([path.join(dir, 'missing.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: cannot read .*missing\.json: ENOENT\n$/);
  });

  it('fails with one line for a JSON array that does not parse', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '[{"Id":"a"},');
    const r = await runCli([file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*broken\.json: input is not valid JSON/);
  });

  it('fails with one line for input that is neither JSON nor NDJSON', async () => {
    const r = await runCli([], 'hello\nworld\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: standard input: input is neither a JSON array nor NDJSON: line 1/);
  });

  it('refuses unknown options with usage', async () => {
    const r = await runCli(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option --bogus');
  });

  it('runs as a real subprocess through tsx', async () => {
    const file = path.join(dir, 'mixed.ndjson');
    writeFileSync(file, '{"Id":"p1","ClientIP":"[::1]:8080"}\n{"NoId":true}\n');
    const root = path.join(__dirname, '..', '..');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('npx', ['tsx', 'local/cli.ts', 'normalize', file], { cwd: root }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      expect.objectContaining({ source: { ip: '::1', port: 8080, address: '::1' } }),
    ]);
    expect(result.stderr).toContain('rejected record at line 2: record has no Id');
  });
});
