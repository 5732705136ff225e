/**
 * `npm run cli` explains itself: the overview lists every command with its one-line summary (and
 * nothing that is not a command), each command prints its usage on --help, and an option it does
 * not know fails with that usage. Run in-process; none of this needs storage or a tenant.
 */
import { command as backfill } from '../../local/commands/backfill';
import { command as checkSecret } from '../../local/commands/check-secret';
import type { CliCommand } from '../../local/commands/command';
import { command as normalize } from '../../local/commands/normalize';
import { command as replayPoison } from '../../local/commands/replay-poison';
import { command as subscriptions } from '../../local/commands/subscriptions';
import { command as tenants } from '../../local/commands/tenants';
import { runCli } from '../maintenance/world';

const COMMANDS: [string, CliCommand][] = [
  ['backfill', backfill],
  ['check-secret', checkSecret],
  ['normalize', normalize],
  ['replay-poison', replayPoison],
  ['subscriptions', subscriptions],
  ['tenants', tenants],
];

/** The `  name  summary` rows of the overview. */
function listedIn(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('npm run cli -- --help', () => {
  it('lists each command with its one-line summary, in name order, and nothing else', async () => {
    const r = await runCli(['--help'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(listedIn(r.stdout)).toEqual(COMMANDS.map(([name, c]) => [name, c.summary]));
    expect(r.stdout).toMatch(/^usage: npm run cli -- <command>/);
    expect(r.stdout).not.toMatch(/\bruntime\b/);
  });

  it('shows the same overview on standard error, with exit status 2, when no command is given', async () => {
    const r = await runCli([], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: no command given\n/);
    expect(listedIn(r.stderr)).toEqual(COMMANDS.map(([name, c]) => [name, c.summary]));
  });

  it('refuses the shared runtime module as a command instead of crashing on it', async () => {
    for (const name of ['runtime', 'command']) {
      const r = await runCli([name], {});
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: unknown command "${name}" (commands: ${COMMANDS.map(([n]) => n).join(', ')})\n`,
      );
    }
  });
});

describe.each(COMMANDS)('%s', (name, command) => {
  it('has a usage line naming itself and a one-line summary', () => {
    expect(command.usage).toMatch(new RegExp(`^usage: ${name}\\b`));
    expect(command.usage).not.toContain('\n');
    expect(command.summary).not.toContain('\n');
  });

  it.each([['--help'], ['-h']])('prints its usage and summary on %s, with exit status 0', async (flag) => {
    const r = await runCli([name, flag], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${command.usage}\n${command.summary}\n`);
    expect(r.stderr).toBe('');
  });

  it('prints the same through `help <command>`', async () => {
    const r = await runCli(['help', name], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${command.usage}\n${command.summary}\n`);
  });

  it.each([['--bogus'], ['-x']])(
    'fails on the unknown option %s with its usage, exit status 2',
    async (option) => {
      const r = await runCli([name, option], {});
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`error: unknown option ${option}`);
      expect(r.stderr).toContain(command.usage);
    },
  );
});
