/**
 * `npm run cli -- <command> [args]`. Each command lives in local/commands/<command>.ts and exports
 * `command` (summary, usage, run), so a command is added without touching this file; modules there
 * that export no command (the shared runtime, the interface) are not listed.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { isCliCommand, type CliCommand, type CliIo } from './commands/command';

const COMMANDS_DIR = path.join(__dirname, 'commands');
const USAGE = 'usage: npm run cli -- <command> [options]   (npm run cli -- <command> --help for its options)';
const HELP_FLAGS = new Set(['--help', '-h']);

/** The commands, by name, in name order. */
async function loadCommands(): Promise<Map<string, CliCommand>> {
  const names = readdirSync(COMMANDS_DIR)
    .filter((f) => /\.(ts|js)$/.test(f) && !/\.d\.ts$/.test(f))
    .map((f) => f.replace(/\.(ts|js)$/, ''))
    .sort();
  const commands = new Map<string, CliCommand>();
  for (const name of [...new Set(names)]) {
    const mod = (await import(path.join(COMMANDS_DIR, name))) as { command?: unknown };
    if (isCliCommand(mod.command)) commands.set(name, mod.command);
  }
  return commands;
}

function overview(commands: Map<string, CliCommand>): string {
  const width = Math.max(...[...commands.keys()].map((n) => n.length));
  const lines = [...commands].map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `${USAGE}\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const commands = await loadCommands();
  if (name === undefined) {
    io.stderr.write(`error: no command given\n${overview(commands)}`);
    return 2;
  }
  if (HELP_FLAGS.has(name) || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    const command = topic === undefined ? undefined : commands.get(topic);
    if (topic !== undefined && !command) {
      io.stderr.write(`error: unknown command "${topic}"\n${overview(commands)}`);
      return 2;
    }
    io.stdout.write(command ? `${command.usage}\n${command.summary}\n` : overview(commands));
    return 0;
  }
  const command = commands.get(name);
  if (!command) {
    io.stderr.write(`error: unknown command "${name}" (commands: ${[...commands.keys()].join(', ')})\n`);
    return 2;
  }
  if (args.some((a) => HELP_FLAGS.has(a))) {
    io.stdout.write(`${command.usage}\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
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
