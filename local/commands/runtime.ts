/**
 * What the operator commands share: the services built from the environment exactly as the Function
 * App builds them (so a command takes the timer's code paths), option parsing, a one-line failure,
 * and a progress line that redraws itself on a terminal and is a plain log line otherwise.
 */
import { createServices, ReceiverServices, ServiceOptions } from '../../functions/services';
import {
  ConfigError,
  loadConfig,
  type LoadConfigOptions,
  type TenantConfig,
} from '../../shared/config/settings';
import { CONTENT_TYPES, type ContentType } from '../../shared/contentTypes';
import { createLogger, type Logger, type LogLevel } from '../../shared/log';
import { describeError } from '../../shared/maintenance/describeError';
import type { CliIo } from './command';

export interface CommandRuntime {
  services: ReceiverServices;
  logger: Logger;
}

/** Logs go to standard error, so standard output carries only what the command reports. */
export function stderrLogger(io: CliIo, minLevel: LogLevel = 'warn'): Logger {
  return createLogger((level, line) => io.stderr.write(`[${level}] ${line}\n`), minLevel);
}

/** Writes `error: <reason>` on one line and returns the exit status. */
export function failWith(io: CliIo, reason: string, exitCode = 1): number {
  io.stderr.write(`error: ${reason.split('\n')[0]}\n`);
  return exitCode;
}

export function buildRuntime(
  io: CliIo,
  options: {
    verbose?: boolean;
    serviceOptions?: Partial<ServiceOptions>;
    configOptions?: LoadConfigOptions;
  } = {},
): CommandRuntime | { exitCode: number } {
  const logger = stderrLogger(io, options.verbose ? 'info' : 'warn');
  try {
    // Tenants may live only in the registry, as for the functions.
    const config = loadConfig(io.env, { requireTenants: false, ...options.configOptions });
    return { services: createServices(config, { logger, ...options.serviceOptions }), logger };
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr.write(`${e.message}\n`);
      return { exitCode: 2 };
    }
    return { exitCode: failWith(io, `cannot build the services: ${describeError(e)}`) };
  }
}

export interface ParsedOptions {
  values: Map<string, string>;
  flags: Set<string>;
  positional: string[];
}

/** `--name value`, `--name=value` for `valued`, bare `--name` for `flags`; any other option is an error. */
export function parseOptions(
  args: readonly string[],
  spec: { valued?: readonly string[]; flags?: readonly string[] },
): ParsedOptions | string {
  const out: ParsedOptions = { values: new Map(), flags: new Set(), positional: [] };
  const valued = new Set(spec.valued ?? []);
  const flags = new Set([...(spec.flags ?? []), 'verbose', 'help']);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      out.positional.push(arg);
      continue;
    }
    // No short options: `-x` is a mistyped option, not a positional value.
    if (!arg.startsWith('--')) return `unknown option ${arg}`;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (valued.has(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '') return `--${name} needs a value`;
      out.values.set(name, value);
    } else if (flags.has(name) && eq === -1) {
      out.flags.add(name);
    } else {
      return `unknown option ${arg}`;
    }
  }
  return out;
}

/**
 * Parses the options, answers `--help` with the usage line and refuses stray arguments (unless the
 * command takes positionals). A number is the exit status the command returns at once.
 */
export function readCommandLine(
  args: readonly string[],
  io: CliIo,
  usage: string,
  spec: { valued?: readonly string[]; flags?: readonly string[]; positionals?: boolean },
): ParsedOptions | number {
  const parsed = parseOptions(args, spec);
  if (typeof parsed === 'string') return failWith(io, `${parsed} (${usage})`, 2);
  if (parsed.flags.has('help')) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!spec.positionals && parsed.positional.length > 0) {
    return failWith(io, `unexpected argument ${parsed.positional[0]} (${usage})`, 2);
  }
  return parsed;
}

/**
 * The tenants `--tenant` names (every served one without it), read from the tenant registry as the
 * functions read it (seeded from the settings first), or why the name is refused.
 */
export async function selectTenants(
  services: ReceiverServices,
  parsed: ParsedOptions,
): Promise<TenantConfig[] | string> {
  const tenantId = parsed.values.get('tenant')?.toLowerCase();
  try {
    await services.ensureTenants();
    if (!tenantId) {
      const all = await services.directory.list();
      return all.length > 0
        ? all
        : 'no tenant to serve: set O365_TENANT_ID (or O365_TENANTS), or add one with "tenants add"';
    }
    const found = await services.directory.get(tenantId);
    return found.status === 'active' ? [found.tenant] : found.reason;
  } catch (e) {
    return `tenant registry unreadable: ${describeError(e)}`;
  }
}

/** `--content-type` checked against the API's names (any case). */
export function contentTypeOption(value: string | undefined): { contentType?: ContentType; error?: string } {
  if (value === undefined) return {};
  const match = CONTENT_TYPES.find((ct) => ct.toLowerCase() === value.toLowerCase());
  return match
    ? { contentType: match }
    : { error: `--content-type "${value}" is not one of ${CONTENT_TYPES.join(', ')}` };
}

/** A redrawn status line on a terminal; one plain line per update otherwise. */
export class ProgressLine {
  private drawn = false;
  constructor(private readonly io: CliIo) {}

  update(text: string): void {
    if (this.io.isTTY) {
      this.io.stdout.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.io.stdout.write(`${text}\n`);
    }
  }

  /** Ends the redrawn line so what follows starts on its own line. */
  done(): void {
    if (this.drawn) this.io.stdout.write('\n');
    this.drawn = false;
  }
}
