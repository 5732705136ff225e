/**
 * `npm run cli -- replay-poison [--max N]`: moves messages from the poison queue back to the content
 * queue (marked `source: 'replay'`) once the cause is fixed. Messages that do not parse stay put and
 * are listed with the reason.
 */
import { describeError } from '../../shared/maintenance/describeError';
import type { CliCommand, CliIo } from './command';
import { buildRuntime, failWith, readCommandLine } from './runtime';

const USAGE = 'usage: replay-poison [--max N] [--verbose]';

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(args, io, USAGE, { valued: ['max'] });
  if (typeof parsed === 'number') return parsed;
  const maxText = parsed.values.get('max');
  const max = maxText === undefined ? undefined : Number(maxText);
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
    return failWith(io, `--max must be a positive whole number, got "${maxText}"`, 2);
  }
  const runtime = buildRuntime(io, { verbose: parsed.flags.has('verbose') });
  if ('exitCode' in runtime) return runtime.exitCode;
  try {
    const result = await runtime.services.queue.replayPoison({
      max,
      onMessage: (p) => {
        if (p.outcome === 'invalid')
          io.stdout.write(`left in the poison queue: message ${p.messageId}: ${p.reason}\n`);
      },
    });
    io.stdout.write(
      `replayed ${result.replayed} message(s); ${result.invalid} unreadable left in the poison queue\n`,
    );
    return 0;
  } catch (e) {
    return failWith(io, `replay failed: ${describeError(e)}`);
  }
}

export const command: CliCommand = {
  usage: USAGE,
  summary: 'move messages from the poison queue back to the content queue',
  run,
};
