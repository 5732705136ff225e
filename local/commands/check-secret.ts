/**
 * `npm run cli -- check-secret [--tenant ID]`: asks Entra for a token with each tenant's credential
 * (client secret, certificate or federated) and runs the timer's SecretExpiryWatch, printing the
 * credential kind and the days left — or that a federated credential has nothing to renew. Exits 1
 * when a credential is refused, expired or cannot be read, with the reason on one line.
 */
import { describeError } from '../../shared/maintenance/describeError';
import type { CliCommand, CliIo } from './command';
import { buildRuntime, failWith, readCommandLine, selectTenants } from './runtime';

const USAGE = 'usage: check-secret [--tenant ID] [--verbose]';

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(args, io, USAGE, { valued: ['tenant'] });
  if (typeof parsed === 'number') return parsed;
  const runtime = buildRuntime(io, { verbose: parsed.flags.has('verbose') });
  if ('exitCode' in runtime) return runtime.exitCode;
  const { services } = runtime;
  const tenants = await selectTenants(services, parsed);
  if (typeof tenants === 'string') return failWith(io, tenants, 2);

  let firstFailure: string | undefined;
  await services.ensureStorage().catch((e: unknown) => {
    firstFailure ??= `storage unreachable: ${describeError(e)}`;
  });
  if (firstFailure) return failWith(io, firstFailure);
  for (const tenant of tenants) {
    // A real token request: Entra is the only source that knows a secret has expired or was revoked.
    let tokenProblem: string | undefined;
    try {
      await services.credentialFor(tenant).getToken(tenant.endpoints.tokenScope);
    } catch (e) {
      tokenProblem = describeError(e);
    }
    await services.expiryWatch.settled();
    try {
      const report = await services.expiryWatch.check(tenant);
      const noun = report.credentialKind === 'certificate' ? 'certificate' : 'client secret';
      const days =
        report.credentialKind === 'federated'
          ? 'expiry none: nothing to renew (the managed identity is trusted by a federated credential)'
          : report.daysLeft === undefined
            ? 'expiry date unknown (no Key Vault expiry; set GRAPH_EXPIRY_CHECK=true to read it from Entra)'
            : report.daysLeft < 0
              ? `expired ${Math.abs(report.daysLeft).toFixed(1)} day(s) ago (${report.earliestExpiry?.toISOString()})`
              : `expires in ${report.daysLeft.toFixed(1)} day(s) (${report.earliestExpiry?.toISOString()})`;
      io.stdout.write(
        `${tenant.tenantId}: token ${tokenProblem ? 'refused' : 'ok'}; credential ${report.credentialKind}; ${days}\n`,
      );
      if (report.daysLeft !== undefined && report.daysLeft < 0)
        firstFailure ??= `tenant ${tenant.tenantId}: the ${noun} has expired`;
    } catch (e) {
      firstFailure ??= `tenant ${tenant.tenantId}: expiry check failed: ${describeError(e)}`;
    }
    if (tokenProblem) firstFailure ??= `tenant ${tenant.tenantId}: ${tokenProblem}`;
  }
  return firstFailure ? failWith(io, firstFailure) : 0;
}

export const command: CliCommand = {
  usage: USAGE,
  summary:
    "check each tenant's credential: a token request, its kind, and the days until it expires (or none)",
  run,
};
