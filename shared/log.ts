/**
 * A small structured logger. Functions hand us their InvocationContext; the local host and the CLI
 * hand us the console. Every record is one line: a stable message, then the fields as JSON, so that
 * Application Insights queries can parse it. Values under secret-looking keys never reach a log.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogWriter = (level: LogLevel, line: string) => void;

const SECRET_KEY = /secret|token|password|authorization|auth_?id|assertion|apikey|api_key|sig$/i;

/** Replaces values under secret-looking keys, at any depth, with a marker. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export function formatLogLine(message: string, fields?: LogFields): string {
  if (!fields || Object.keys(fields).length === 0) return message;
  return `${message} ${JSON.stringify(redact(fields), errorReplacer)}`;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(write: LogWriter, minLevel: LogLevel = 'info'): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (order[level] >= order[minLevel]) write(level, formatLogLine(message, fields));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Adapts an Azure Functions InvocationContext (or anything with the same methods). */
export function loggerFromContext(context: {
  debug(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}): Logger {
  return createLogger((level, line) => {
    if (level === 'debug') context.debug(line);
    else if (level === 'info') context.log(line);
    else if (level === 'warn') context.warn(line);
    else context.error(line);
  }, 'debug');
}

export const silentLogger: Logger = createLogger(() => undefined);

/** Collects lines in memory; for tests that assert what was logged. */
export function memoryLogger(): Logger & { lines: { level: LogLevel; line: string }[] } {
  const lines: { level: LogLevel; line: string }[] = [];
  return Object.assign(
    createLogger((level, line) => lines.push({ level, line }), 'debug'),
    { lines },
  );
}
