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
  /** One line for the usage text. */
  summary: string;
  /** Returns the process exit status; on failure it has already written a one-line reason to stderr. */
  run(args: string[], io: CliIo): Promise<number>;
}
