/**
 * The zip azd uploads to the Function App: staged the way the prepackage hook stages it, zipped the
 * way azd zips it (applying the .funcignore it finds in the staged folder), unpacked in a folder of
 * its own and loaded by a plain Node process there, which can use nothing the zip does not hold.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stageDeploymentPackage } from '../../local/deploymentPackage';
import { REPO_ROOT } from '../infra/bicepText';
import { unzipTo, zipPackage } from './azdPackage';

jest.setTimeout(240_000);

/** The settings infra/ gives the app (Key Vault references already resolved by the platform). */
const DEPLOYED_SETTINGS = {
  O365_TENANT_ID: '11111111-2222-3333-4444-555555555555',
  O365_CLIENT_ID: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
  KEY_VAULT_URL: 'https://kv-x.vault.azure.net',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net',
  AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net',
  AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net',
  WEBHOOK_URL: 'https://func.example.net/api/webhook',
  WEBHOOK_AUTH_ID: 'k7Qw2mZp9XvT4rLs8NbD3hJf6GcY1aUe5oRi',
};

// Loads the package's own @azure/functions, records what the entry point registers with it, and
// prints one marked line (the package prints its "test mode" notice on the same stream).
const PROBE = `
const path = require('node:path');
const root = process.cwd();
const { app } = require(require.resolve('@azure/functions', { paths: [root] }));
const seen = [];
for (const kind of ['http', 'storageQueue', 'timer']) {
  app[kind] = (name, o) => seen.push({ kind, name, route: o.route, authLevel: o.authLevel,
    queueName: o.queueName, connection: o.connection, schedule: o.schedule,
    handler: typeof o.handler });
}
const main = require(path.join(root, 'package.json')).main;
require(path.join(root, main));
process.stdout.write('\\nREGISTRATIONS ' + JSON.stringify(seen) + '\\n');
`;

interface Registration {
  kind: string;
  name: string;
  route?: string;
  authLevel?: string;
  queueName?: string;
  connection?: string;
  schedule?: string;
  handler: string;
}

let work: string;
let unpacked: string;
let entries: string[];

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'deployment-package-'));
  const staged = stageDeploymentPackage({ stagingDir: path.join(work, 'staged') });
  unpacked = path.join(work, 'unpacked');
  mkdirSync(unpacked);
  entries = unzipTo(zipPackage(staged), unpacked);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function loadUnpacked(): Registration[] {
  const result = spawnSync(process.execPath, ['-e', PROBE], {
    cwd: unpacked,
    // Nothing from this test's process: no NODE_PATH, no test CA, no settings but the deployed ones.
    env: { PATH: process.env.PATH ?? '', ...DEPLOYED_SETTINGS },
    encoding: 'utf8',
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('REGISTRATIONS '));
  if (result.status !== 0 || !line) {
    throw new Error(`the unpacked package did not load (exit ${result.status}):\n${result.stderr}`);
  }
  return JSON.parse(line.slice('REGISTRATIONS '.length)) as Registration[];
}

/** Package folders in the zip: node_modules/<name> or node_modules/@scope/<name>, at any depth. */
function packagesInZip(): Set<string> {
  const found = new Set<string>();
  for (const entry of entries) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(entry);
    if (m) found.add(m[1]);
  }
  return found;
}

describe('the deployment package azd uploads', () => {
  it('registers webhook, fetchContent, maintenance and health with their triggers when loaded from the zip', () => {
    const registrations = loadUnpacked();
    expect(registrations.map((r) => [r.kind, r.name]).sort()).toEqual([
      ['http', 'health'],
      ['http', 'webhook'],
      ['storageQueue', 'fetchContent'],
      ['timer', 'maintenance'],
    ]);
    const byName = new Map(registrations.map((r) => [r.name, r]));
    expect(byName.get('webhook')).toMatchObject({ route: 'webhook', authLevel: 'anonymous' });
    expect(byName.get('health')).toMatchObject({ route: 'health', authLevel: 'function' });
    expect(byName.get('fetchContent')).toMatchObject({
      queueName: 'o365-content',
      connection: 'AzureWebJobsStorage',
    });
    expect(byName.get('maintenance')).toMatchObject({ schedule: '0 */15 * * * *' });
    expect(registrations.every((r) => r.handler === 'function')).toBe(true);
  });

  it('holds no development dependency, only the production ones package-lock.json resolves', () => {
    const packages = packagesInZip();
    for (const name of ['jest', 'typescript', 'azurite', 'eslint', '@swc/core', 'tsx', 'prettier']) {
      expect(packages).not.toContain(`node_modules/${name}`);
    }
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([key, meta]) => key !== '' && meta.dev === true)
      .map(([key]) => key);
    expect(devOnly.filter((key) => packages.has(key))).toEqual([]);
    for (const name of ['@azure/functions', '@azure/storage-queue', 'zod']) {
      expect(packages).toContain(`node_modules/${name}`);
    }
  });

  it('ships the compiled functions, host.json and a package.json without development parts, and no sources', () => {
    expect(entries).toEqual(expect.arrayContaining(['host.json', 'package.json', 'dist/functions/index.js']));
    const manifest = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest.main).toBe('dist/functions/index.js');
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
    const ours = entries.filter((e) => !e.startsWith('node_modules/'));
    expect(
      ours.filter((e) => /\.ts$/.test(e) || /^(test|local|infra|bench|functions|shared)\//.test(e)),
    ).toEqual([]);
    expect(entries.filter((e) => /(^|\/)(\.funcignore|local\.settings\.json)$/.test(e))).toEqual([]);
  });
});
