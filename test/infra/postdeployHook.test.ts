/**
 * Runs infra/hooks/postdeploy.sh for real, with stand-ins for `az` and `curl` first on PATH: the
 * stand-ins answer from files in a temporary folder and log every call, so each run shows what the
 * hook asked and sent. No network.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './bicepText';

const HOOK = join(REPO_ROOT, 'infra', 'hooks', 'postdeploy.sh');
const FUNCTION_KEY = 'fn-key-0123456789';
const MASTER_KEY = 'master-key-9876543210';

// `az functionapp keys list ... --query <q>`: prints the key the query names, unless keys are not ready.
const FAKE_AZ = `#!/bin/sh
echo "az $*" >> "$FAKE_DIR/calls"
query=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--query" ]; then query="$2"; fi
  shift
done
if [ -f "$FAKE_DIR/no-keys" ]; then exit 1; fi
case "$query" in
  functionKeys.default) echo "${FUNCTION_KEY}" ;;
  masterKey) echo "${MASTER_KEY}" ;;
  defaultHostName) echo "func-test.azurewebsites.net" ;;
esac
`;

// curl: records method, URL and headers, answers the next status for that path from a file.
const FAKE_CURL = `#!/bin/sh
method=GET
url=""
headers=""
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method="$2"; shift ;;
    -H) headers="$headers[$2]"; shift ;;
    -d|-o|-w) shift ;;
    -*) ;;
    *) url="$1" ;;
  esac
  shift
done
echo "curl $method $url $headers" >> "$FAKE_DIR/calls"
case "$url" in
  */api/health) file="$FAKE_DIR/health" ;;
  *) file="$FAKE_DIR/admin" ;;
esac
status=$(head -n 1 "$file")
rest=$(tail -n +2 "$file")
if [ -n "$rest" ]; then printf '%s\\n' "$rest" > "$file"; fi
printf '%s' "$status"
`;

interface HookRun {
  code: number;
  stdout: string;
  stderr: string;
  calls: string[];
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'postdeploy-'));
  writeFileSync(join(dir, 'az'), FAKE_AZ);
  writeFileSync(join(dir, 'curl'), FAKE_CURL);
  chmodSync(join(dir, 'az'), 0o755);
  chmodSync(join(dir, 'curl'), 0o755);
  writeFileSync(join(dir, 'calls'), '');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runHook(opts: {
  health: string[];
  admin: string[];
  env?: Record<string, string | undefined>;
}): Promise<HookRun> {
  writeFileSync(join(dir, 'health'), opts.health.join('\n') + '\n');
  writeFileSync(join(dir, 'admin'), opts.admin.join('\n') + '\n');
  const env: Record<string, string | undefined> = {
    PATH: `${dir}:${process.env.PATH ?? ''}`,
    FAKE_DIR: dir,
    AZURE_FUNCTION_APP_NAME: 'func-test',
    AZURE_RESOURCE_GROUP: 'rg-test',
    AZURE_FUNCTION_APP_URL: 'https://func-test.azurewebsites.net',
    WEBHOOK_URL: 'https://func-test.azurewebsites.net/api/webhook',
    POSTDEPLOY_ATTEMPTS: '3',
    POSTDEPLOY_PAUSE_SECONDS: '0',
    ...opts.env,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((resolve) => {
    execFile('sh', [HOOK], { env: env as NodeJS.ProcessEnv }, (error, stdout, stderr) => {
      const calls = readFileSync(join(dir, 'calls'), 'utf8').split('\n').filter(Boolean);
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, calls });
    });
  });
}

describe('postdeploy hook', () => {
  it('waits until health answers, then starts maintenance once with the master key and an empty JSON body', async () => {
    const run = await runHook({ health: ['503', '200'], admin: ['202'] });
    expect(run.code).toBe(0);
    const curls = run.calls.filter((c) => c.startsWith('curl '));
    expect(curls).toEqual([
      `curl GET https://func-test.azurewebsites.net/api/health [x-functions-key: ${FUNCTION_KEY}]`,
      `curl GET https://func-test.azurewebsites.net/api/health [x-functions-key: ${FUNCTION_KEY}]`,
      `curl POST https://func-test.azurewebsites.net/admin/functions/maintenance [x-functions-key: ${MASTER_KEY}][Content-Type: application/json]`,
    ]);
    expect(run.stdout).toContain('maintenance started');
    expect(run.stdout).toContain('https://func-test.azurewebsites.net/api/webhook');
  });

  it('never prints a key', async () => {
    const run = await runHook({ health: ['500', '200'], admin: ['202'] });
    expect(run.stdout + run.stderr).not.toContain(FUNCTION_KEY);
    expect(run.stdout + run.stderr).not.toContain(MASTER_KEY);
  });

  it('fails naming the health address when the app never answers 200', async () => {
    const run = await runHook({ health: ['503'], admin: ['202'] });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'https://func-test.azurewebsites.net/api/health did not answer 200 (last status: 503)',
    );
    expect(run.calls.filter((c) => c.includes('/admin/'))).toEqual([]);
    expect(run.calls.filter((c) => c.includes('/api/health'))).toHaveLength(3);
  });

  it('keeps waiting while the function keys are not readable yet', async () => {
    writeFileSync(join(dir, 'no-keys'), '');
    const run = await runHook({ health: ['200'], admin: ['202'] });
    expect(run.code).not.toBe(0);
    expect(run.calls.filter((c) => c.startsWith('curl '))).toEqual([]);
    expect(run.stderr).toContain('last status: none');
  });

  it('fails when the admin endpoint refuses to start maintenance', async () => {
    const run = await runHook({ health: ['200'], admin: ['401'] });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('starting the maintenance function failed (status: 401)');
  });

  it('finds the app address with az when azd did not export it', async () => {
    const run = await runHook({
      health: ['200'],
      admin: ['202'],
      env: { AZURE_FUNCTION_APP_URL: undefined },
    });
    expect(run.code).toBe(0);
    expect(run.calls.some((c) => c.startsWith('az functionapp show'))).toBe(true);
    expect(run.calls).toContain(
      `curl GET https://func-test.azurewebsites.net/api/health [x-functions-key: ${FUNCTION_KEY}]`,
    );
  });

  it('refuses to run outside azd, naming the missing variable', async () => {
    const run = await runHook({
      health: ['200'],
      admin: ['202'],
      env: { AZURE_FUNCTION_APP_NAME: undefined },
    });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('AZURE_FUNCTION_APP_NAME');
    expect(run.calls).toEqual([]);
  });
});
