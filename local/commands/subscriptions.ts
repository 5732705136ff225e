/**
 * `npm run cli -- subscriptions list|ensure [--tenant ID] [--content-type CT]`: shows each configured
 * tenant's subscriptions and webhooks, or repairs them with the timer's own SubscriptionKeeper.
 */
import type { Subscription } from '../../shared/managementApi';
import { describeError } from '../../shared/maintenance/describeError';
import { runMaintenance } from '../../shared/maintenance/runMaintenance';
import type { CliCommand, CliIo } from './command';
import { buildRuntime, contentTypeOption, failWith, readCommandLine, selectTenants } from './runtime';

const USAGE = 'usage: subscriptions list|ensure [--tenant ID] [--content-type CT] [--verbose]';

function describeSubscription(s: Subscription | undefined): string {
  if (!s) return 'missing';
  const hook = s.webhook ? `webhook ${s.webhook.status} ${s.webhook.address}` : 'no webhook';
  return `${s.status}, ${hook}`;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(args, io, USAGE, { valued: ['tenant', 'content-type'], positionals: true });
  if (typeof parsed === 'number') return parsed;
  const [action, ...rest] = parsed.positional;
  if ((action !== 'list' && action !== 'ensure') || rest.length > 0) return failWith(io, USAGE, 2);
  const { contentType, error } = contentTypeOption(parsed.values.get('content-type'));
  if (error) return failWith(io, error, 2);

  const runtime = buildRuntime(io, { verbose: parsed.flags.has('verbose') });
  if ('exitCode' in runtime) return runtime.exitCode;
  const { services, logger } = runtime;
  const tenants = await selectTenants(services, parsed);
  if (typeof tenants === 'string') return failWith(io, tenants, 2);
  const contentTypes = services.config.contentTypes.filter((ct) => !contentType || ct === contentType);

  if (action === 'list') {
    let failed: string | undefined;
    for (const tenant of tenants) {
      try {
        const subs = await services.clientFor(tenant).listSubscriptions();
        for (const ct of contentTypes) {
          io.stdout.write(
            `${tenant.tenantId} ${ct}: ${describeSubscription(subs.find((s) => s.contentType === ct))}\n`,
          );
        }
      } catch (e) {
        failed ??= `tenant ${tenant.tenantId}: ${describeError(e)}`;
      }
    }
    return failed ? failWith(io, `could not list subscriptions: ${failed}`) : 0;
  }

  const report = await runMaintenance(services, logger, {
    tasks: ['subscriptions'],
    tenantIds: tenants.map((t) => t.tenantId),
    contentTypes,
  });
  let firstFailure: string | undefined;
  for (const t of report.tenants) {
    if (t.subscriptionsError) firstFailure ??= `tenant ${t.tenantId}: ${t.subscriptionsError}`;
    for (const o of t.subscriptions ?? []) {
      const line =
        o.result === 'ok'
          ? `ok (${describeSubscription(o.subscription)})`
          : o.result === 'started'
            ? `started (${o.reason}); now ${describeSubscription(o.subscription)}`
            : o.result === 'waitSpacing'
              ? `needs a start (${o.reason}) but must wait for the 15-minute spacing until ${o.retryAt}`
              : o.result === 'disabledByAdmin'
                ? 'disabled by an administrator (AF20023); ask them to enable it'
                : `failed: ${o.reason}`;
      io.stdout.write(`${t.tenantId} ${o.contentType}: ${line}\n`);
      if (o.result === 'failed') firstFailure ??= `${t.tenantId} ${o.contentType}: ${o.reason}`;
      if (o.result === 'disabledByAdmin')
        firstFailure ??= `${t.tenantId} ${o.contentType} is disabled by an administrator`;
    }
  }
  return firstFailure ? failWith(io, firstFailure) : 0;
}

export const command: CliCommand = {
  usage: USAGE,
  summary:
    'list the subscriptions and webhooks of each tenant, or start the missing and broken ones (ensure)',
  run,
};
