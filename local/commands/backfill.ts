/**
 * `npm run cli -- backfill --since 24h [--tenant ID] [--content-type CT]`: lists content from a time
 * the operator chooses and enqueues what the ledger has not finished, with the timer's Backfiller.
 * Shows windows listed, blobs found and enqueued and an estimate of the time left.
 */
import { RETENTION_LIMIT_MS, parseSince } from '../../shared/maintenance/backfillPlan';
import type { BackfillProgress } from '../../shared/maintenance/backfiller';
import { runMaintenance } from '../../shared/maintenance/runMaintenance';
import type { CliCommand, CliIo } from './command';
import {
  buildRuntime,
  contentTypeOption,
  failWith,
  ProgressLine,
  readCommandLine,
  selectTenants,
} from './runtime';

const USAGE = 'usage: backfill --since 24h|3d|90m|ISO-DATE [--tenant ID] [--content-type CT] [--verbose]';

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(args, io, USAGE, { valued: ['since', 'tenant', 'content-type'] });
  if (typeof parsed === 'number') return parsed;
  const sinceText = parsed.values.get('since');
  if (sinceText === undefined) return failWith(io, `--since is required (${USAGE})`, 2);
  const now = new Date();
  const since = parseSince(sinceText, now);
  if (typeof since === 'string') return failWith(io, since, 2);
  if (now.getTime() - since.getTime() > RETENTION_LIMIT_MS) {
    return failWith(
      io,
      `--since ${sinceText} reaches past what the API keeps (7 days, less a 1-hour margin)`,
      2,
    );
  }
  const { contentType, error } = contentTypeOption(parsed.values.get('content-type'));
  if (error) return failWith(io, error, 2);

  const runtime = buildRuntime(io, { verbose: parsed.flags.has('verbose') });
  if ('exitCode' in runtime) return runtime.exitCode;
  const { services, logger } = runtime;
  const tenants = await selectTenants(services, parsed);
  if (typeof tenants === 'string') return failWith(io, tenants, 2);
  const contentTypes = services.config.contentTypes.filter((ct) => !contentType || ct === contentType);

  const progress = new ProgressLine(io);
  const started = Date.now();
  // Each pair lists the same number of windows; the estimate counts windows across all pairs.
  const windowsPerPair = Math.max(1, Math.ceil((now.getTime() - since.getTime()) / (24 * 3600_000)));
  const totalWindows = windowsPerPair * tenants.length * contentTypes.length;
  let windowsDone = 0;
  let found = 0;
  let enqueued = 0;
  const onProgress = (p: BackfillProgress) => {
    windowsDone++;
    found += p.found;
    enqueued += p.enqueued;
    const elapsed = Date.now() - started;
    const left = windowsDone >= totalWindows ? 0 : (elapsed / windowsDone) * (totalWindows - windowsDone);
    progress.update(
      `backfill ${p.tenantId} ${p.contentType} window ${p.windowIndex}/${p.windowCount} ` +
        `(${p.window.startTime.toISOString()} .. ${p.window.endTime.toISOString()}): ` +
        `windows ${windowsDone}/${totalWindows}, found ${found}, enqueued ${enqueued}, time left ~${formatDuration(left)}`,
    );
  };

  const report = await runMaintenance(services, logger, {
    now,
    since,
    tasks: ['backfill'],
    tenantIds: tenants.map((t) => t.tenantId),
    contentTypes,
    onBackfillProgress: onProgress,
  });
  progress.done();
  let firstFailure: string | undefined;
  for (const t of report.tenants) {
    for (const b of t.backfills) {
      if ('error' in b) firstFailure ??= `${b.tenantId} ${b.contentType}: ${b.error}`;
    }
  }
  io.stdout.write(
    `backfill finished: ${windowsDone} window(s) listed, ${found} blob(s) found, ${enqueued} enqueued\n`,
  );
  return firstFailure ? failWith(io, `backfill failed for ${firstFailure}`) : 0;
}

export const command: CliCommand = {
  usage: USAGE,
  summary: 'list content since a time (24h, 3d, 90m or ISO date) and enqueue what was not yet processed',
  run,
};
