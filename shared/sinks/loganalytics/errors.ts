/**
 * What the Logs Ingestion API's answers mean for the sink, in one table. The SDK reports each failed
 * upload call as a RestError with the HTTP status, the service's error code and the response headers
 * (Retry-After on 429 and 503); token failures come from @azure/identity.
 */
import { parseRetryAfter } from '../../managementApi/retryPolicy';
import { SinkRequestError } from '../delivery/errors';

export const SINK_NAME = 'loganalytics';

const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AuthenticationRequiredError',
]);

interface RestErrorShape {
  name: 'RestError';
  message: string;
  statusCode?: number;
  code?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

function isRestError(error: unknown): error is RestErrorShape {
  return error instanceof Error && error.name === 'RestError';
}

/**
 * One upload call that failed, as the framework's typed error. `badRequest` marks a 400: the service
 * refused the rows themselves, which the caller treats per row or as a setting problem.
 */
export function classifyLogsIngestionError(error: unknown): SinkRequestError & { badRequest?: boolean } {
  if (error instanceof SinkRequestError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isRestError(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    const code = error.code;
    const retryAfterMs = parseRetryAfter(error.response?.headers?.get('retry-after'), new Date());
    const details = { statusCode: status, code, retryAfterMs, cause: error };
    const said = `${status}${code ? ` ${code}` : ''}: ${message}`;
    if (status === 401 || status === 403) {
      return new SinkRequestError(
        SINK_NAME,
        'auth',
        `the Logs Ingestion API refused the managed identity (${said}); give it 'Monitoring Metrics Publisher' on the DCR (LOGS_DCR_IMMUTABLE_ID)`,
        details,
      );
    }
    if (status === 404) {
      return new SinkRequestError(
        SINK_NAME,
        'configuration',
        `no such DCR or stream at LOGS_INGESTION_ENDPOINT (${said}); check LOGS_DCR_IMMUTABLE_ID and LOGS_STREAM_NAME`,
        details,
      );
    }
    if (status === 413)
      return new SinkRequestError(SINK_NAME, 'tooLarge', `over the 1 MB call limit (${said})`, details);
    if (status === 429)
      return new SinkRequestError(SINK_NAME, 'throttled', `Logs Ingestion API throttling (${said})`, details);
    if (status >= 500)
      return new SinkRequestError(SINK_NAME, 'transient', `Logs Ingestion API failed (${said})`, details);
    const refused = new SinkRequestError(
      SINK_NAME,
      'configuration',
      `the Logs Ingestion API refused the rows (${said})`,
      details,
    );
    return Object.assign(refused, { badRequest: status === 400 });
  }
  if (error instanceof Error && CREDENTIAL_ERRORS.has(error.name)) {
    return new SinkRequestError(
      SINK_NAME,
      'auth',
      `no token for the Logs Ingestion API from the managed identity (${error.name}: ${message})`,
      { code: error.name, cause: error },
    );
  }
  return new SinkRequestError(SINK_NAME, 'transient', `Logs Ingestion API unreachable (${message})`, {
    cause: error,
  });
}
