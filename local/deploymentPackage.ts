/**
 * `npm run package:azure`: stages the folder azd zips and uploads to the Function App
 * (azure.yaml: `services.api.dist`, with `remoteBuild: false`). It holds the compiled functions,
 * host.json, a package.json without devDependencies or scripts, and the production dependencies
 * only, installed from package-lock.json — never the project's own node_modules, which carries
 * jest, typescript, azurite, eslint and the native @swc/core. azure.yaml runs it as the prepackage
 * hook, so `azd package`, `azd deploy` and `azd up` all ship this folder.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_DIR = path.join(__dirname, '..');
/** Must match `dist:` of the api service in azure.yaml. */
export const STAGING_DIR_NAME = 'dist-azure';
/** Copied as they are; .funcignore is the one azd applies when it zips the staged folder. */
const COPIED_FILES = ['host.json', 'package-lock.json', '.funcignore'] as const;

export interface StageOptions {
  projectDir?: string;
  /** Default <projectDir>/dist-azure. Emptied first, so nothing stale is ever shipped. */
  stagingDir?: string;
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

export class StagingError extends Error {
  constructor(step: string, detail: string) {
    super(`staging the deployment package failed at ${step}: ${detail}`);
    this.name = 'StagingError';
  }
}

function run(step: string, command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new StagingError(step, result.error.message);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new StagingError(step, `exit status ${result.status}\n${output}`);
  }
}

/**
 * npm itself, started with this Node: `npm_execpath` when run from an npm script (works the same on
 * Windows, where `npm` is a .cmd a plain spawn cannot start), else npm's CLI beside this Node.
 */
function npmCommand(): { command: string; prefix: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) return { command: process.execPath, prefix: [execPath] };
  return process.platform === 'win32' ? { command: 'npm.cmd', prefix: [] } : { command: 'npm', prefix: [] };
}

interface PackageJson {
  main?: string;
  scripts?: unknown;
  devDependencies?: unknown;
  [key: string]: unknown;
}

export function stageDeploymentPackage(options: StageOptions = {}): string {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const stagingDir = options.stagingDir ?? path.join(projectDir, STAGING_DIR_NAME);
  const log = options.log ?? (() => undefined);

  rmSync(stagingDir, { recursive: true, force: true });
  mkdirSync(stagingDir, { recursive: true });

  log(`compiling functions/ and shared/ into ${path.join(stagingDir, 'dist')}`);
  const tsc = require.resolve('typescript/bin/tsc', { paths: [projectDir] });
  run(
    'tsc',
    process.execPath,
    [tsc, '-p', path.join(projectDir, 'tsconfig.build.json'), '--outDir', path.join(stagingDir, 'dist')],
    projectDir,
  );

  for (const file of COPIED_FILES) copyFileSync(path.join(projectDir, file), path.join(stagingDir, file));
  const manifest = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as PackageJson;
  writeFileSync(path.join(stagingDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');

  log('installing the production dependencies from package-lock.json');
  const npm = npmCommand();
  run(
    'npm ci --omit=dev',
    npm.command,
    [
      ...npm.prefix,
      'ci',
      '--omit=dev',
      // No dependency of ours needs an install script, and none may run on the way to production.
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
    ],
    stagingDir,
  );

  // What ships describes only what ships: should a remote build ever run on it, it installs no
  // development tools and has no build script to run. The lock file still lists them, so it goes.
  const { devDependencies: _dev, scripts: _scripts, ...production } = manifest;
  writeFileSync(path.join(stagingDir, 'package.json'), JSON.stringify(production, null, 2) + '\n');
  rmSync(path.join(stagingDir, 'package-lock.json'));
  log(`staged ${stagingDir}`);
  return stagingDir;
}

if (require.main === module) {
  try {
    stageDeploymentPackage({ log: (line) => process.stdout.write(`${line}\n`) });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
