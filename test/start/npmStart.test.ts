/**
 * `npm start` is one of the README's two commands: it must come up on the embedded defaults,
 * subscribe every content type, move simulated content into the blob and file sinks, and stop
 * cleanly on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function waitFor(output: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = setInterval(() => {
      const m = output().match(pattern);
      if (m) {
        clearInterval(tick);
        resolve(m);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(tick);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${output()}`));
      }
    }, 100);
  });
}

describe('npm start', () => {
  let eventsDir: string;
  beforeAll(async () => {
    eventsDir = await mkdtemp(path.join(os.tmpdir(), 'npm-start-events-'));
  });
  afterAll(async () => {
    await rm(eventsDir, { recursive: true, force: true });
  });

  it('runs the receiver against the simulated tenant, writes blobs and files, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'local/start.ts'], {
      cwd: ROOT,
      // PORT=0 picks a free port, so the test never collides with a receiver a developer is running.
      // FILE_SINK_DIR only keeps the test's files out of the project folder; SINKS is left unset.
      env: {
        ...process.env,
        SINKS: undefined,
        FILE_SINK_DIR: eventsDir,
        PORT: '0',
        NODE_EXTRA_CA_CERTS: path.join(ROOT, 'local/tls/ca.pem'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const [, webhook] = await waitFor(
        () => out,
        /webhook: (http:\/\/127\.0\.0\.1:\d+\/api\/webhook)/,
        40000,
      );
      await waitFor(() => out, /subscriptions \([0-9a-f-]+\): .*DLP\.All: started/, 20000);
      // A forged POST is refused by the same function Microsoft's pushes go through.
      const forged = await fetch(webhook, {
        method: 'POST',
        body: '[]',
        headers: { 'Webhook-AuthID': 'wrong' },
      });
      expect(forged.status).toBe(401);
      const [summary] = await waitFor(
        () => out,
        /\[summary\] Audit\.\S+ [1-9]\d* blobs\/[1-9]\d* events.*/,
        30000,
      );
      expect(summary).toMatch(/failed 0/);
      expect(out).toMatch(/events: +NDJSON blobs in container/);
      expect(out).toContain(`events:  NDJSON files under ${eventsDir}`);
      const files = await ndjsonFilesUnder(eventsDir);
      expect(files.length).toBeGreaterThan(0);
      const firstLine = (await readFile(files[0], 'utf8')).split('\n')[0];
      expect(JSON.parse(firstLine)).toMatchObject({ event: { id: expect.any(String) } });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('stopping...');
  }, 120000);
});

async function ndjsonFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ndjson'))
    .map((e) => path.join(e.parentPath, e.name));
}
