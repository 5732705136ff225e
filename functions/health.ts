/**
 * GET /api/health (function key): the receiver's state per tenant × content type, as JSON, for a
 * person or a probe. Always 200 when the report could be built; `status` says ok or degraded and
 * `problems` says why. Contains no secret values.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { loggerFromContext } from '../shared/log';
import { buildHealthReport, HealthSources } from '../shared/maintenance/healthReport';
import { describeError } from '../shared/maintenance/describeError';
import type { HttpFunctionDefinition } from './definition';

export function defineHealth(
  sources: HealthSources,
  options: { now?: () => Date } = {},
): HttpFunctionDefinition {
  const now = options.now ?? (() => new Date());
  async function handler(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const log = loggerFromContext(context);
    try {
      const report = await buildHealthReport(sources, now());
      if (report.status !== 'ok') log.warn('health degraded', { problems: report.problems });
      return { status: 200, jsonBody: report, headers: { 'cache-control': 'no-store' } };
    } catch (e) {
      const reason = describeError(e);
      log.error('health report failed', { reason });
      return { status: 500, jsonBody: { status: 'error', reason } };
    }
  }
  return { kind: 'http', name: 'health', route: 'health', methods: ['GET'], authLevel: 'function', handler };
}
