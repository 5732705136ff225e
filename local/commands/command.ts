/** What every CLI command gets: its streams and the environment, so tests can run it in-process. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
  /** True when stdout is a terminal (progress bars); false means plain log lines. */
  isTTY: boolean;
}

export interface CliCommand {
  /** What the command does, on one line: listed by `npm run cli -- --help`. */
  summary: string;
  /** `usage: <command> [options]`, on one line: printed by `<command> --help` and with option errors. */
  usage: string;
  /** Returns the process exit status; on failure it has already written a one-line reason to stderr. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A module under local/commands/ is a command when it exports one of these as `command`. */
export function isCliCommand(value: unknown): value is CliCommand {
  if (value === null || typeof value !== 'object') return false;
  const c = value as Partial<Record<keyof CliCommand, unknown>>;
  return typeof c.summary === 'string' && typeof c.usage === 'string' && typeof c.run === 'function';
}
