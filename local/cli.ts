/**
 * `npm run cli -- <command> [args]`. Each command lives in local/commands/<command>.ts and exports
 * `run(args, io)` returning the exit status, so a command is added without touching this file.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CliCommand, CliIo } from './commands/command';

const COMMANDS_DIR = path.join(__dirname, 'commands');

function listCommands(): string[] {
  return readdirSync(COMMANDS_DIR)
    .filter((f) => /\.(ts|js)$/.test(f) && !/^command\.|\.d\.ts$/.test(f))
    .map((f) => f.replace(/\.(ts|js)$/, ''))
    .sort();
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const known = listCommands();
  if (!name || name === '--help' || name === 'help') {
    io.stdout.write(`usage: npm run cli -- <command> [options]\ncommands: ${known.join(', ')}\n`);
    return name ? 0 : 2;
  }
  if (
    !known.includes(name) ||
    !['.ts', '.js'].some((ext) => existsSync(path.join(COMMANDS_DIR, name + ext)))
  ) {
    io.stderr.write(`error: unknown command "${name}" (commands: ${known.join(', ')})\n`);
    return 2;
  }
  const mod = (await import(path.join(COMMANDS_DIR, name))) as { command: CliCommand };
  try {
    return await mod.command.run(args, io);
  } catch (e) {
    io.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
