/**
 * Starts Azurite (from node_modules) in memory on free ports, for `npm start`, tests and benchmarks,
 * or on disk in a given folder when a test needs storage that outlives a process. It runs as a child
 * process so its own logging and shutdown stay out of ours.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export interface AzuriteInstance {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** A full connection string for these ports (the well-known development account). */
  connectionString: string;
  stop(): Promise<void>;
}

const DEV_ACCOUNT = 'devstoreaccount1';
// The well-known, public Azurite development key (documented by Microsoft; not a secret).
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function developmentConnectionString(ports: { blob: number; queue: number; table: number }): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=http://127.0.0.1:${ports.blob}/${DEV_ACCOUNT};` +
    `QueueEndpoint=http://127.0.0.1:${ports.queue}/${DEV_ACCOUNT};` +
    `TableEndpoint=http://127.0.0.1:${ports.table}/${DEV_ACCOUNT};`
  );
}

export interface StartAzuriteOptions {
  /** Fixed ports (npm start uses the standard 10000-10002); 0 or absent picks free ones. */
  ports?: { blob?: number; queue?: number; table?: number };
  startTimeoutMs?: number;
  /** Keep the data in this folder (Azurite's --location) instead of in memory. */
  location?: string;
}

export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
  const entry = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  const args = [
    entry,
    ...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']),
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--loose',
    '--silent',
    '--blobHost',
    '127.0.0.1',
    '--queueHost',
    '127.0.0.1',
    '--tableHost',
    '127.0.0.1',
    '--blobPort',
    String(options.ports?.blob ?? 0),
    '--queuePort',
    String(options.ports?.queue ?? 0),
    '--tablePort',
    String(options.ports?.table ?? 0),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ports: Record<string, number> = {};
  let output = '';

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Azurite did not start within ${options.startTimeoutMs ?? 20000} ms:\n${output}`));
    }, options.startTimeoutMs ?? 20000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const m of output.matchAll(
        /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g,
      )) {
        ports[m[1].toLowerCase()] = Number(m[2]);
      }
      if (ports.blob && ports.queue && ports.table) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code} before it was ready:\n${output}`));
    });
  });
  // Azurite logs every request; stop collecting (a growing string rescanned per chunk would cost
  // quadratic CPU) but keep draining the pipes so they never fill and block it.
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();

  const p = { blob: ports.blob, queue: ports.queue, table: ports.table };
  return {
    blobPort: p.blob,
    queuePort: p.queue,
    tablePort: p.table,
    connectionString: developmentConnectionString(p),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
