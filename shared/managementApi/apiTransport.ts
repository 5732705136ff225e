/**
 * Sends one API request the way every operation needs it: bearer token from the cache,
 * PublisherIdentifier already in the URL, a per-attempt timeout tied to the caller's abortSignal,
 * and bounded retries with backoff for throttled and transient failures. Policy beyond "try again"
 * (resubscribe, skip a blob) belongs to callers.
 */
import type { Logger } from '../log';
import { abortReason, AccessTokenCache } from './accessTokenCache';
import { isNetworkError, isRetryable } from './errorClassification';
import { ManagementApiError, ManagementOperation, TokenAcquisitionError } from './errors';
import { apiErrorFromAnswer } from './responseFailure';
import { RetryDelay, retryWaitMs } from './retryPolicy';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface TransportSettings {
  requestTimeoutMs: number;
  maxAttempts: number;
  retryDelay: RetryDelay;
  maxRetryAfterMs: number;
  logger: Logger;
  fetch: typeof fetch;
  clock: () => Date;
  sleep: Sleep;
  random: () => number;
}

export interface ApiRequest {
  operation: ManagementOperation;
  method: 'GET' | 'POST';
  url: string;
  /** Sent as JSON. */
  body?: unknown;
  abortSignal?: AbortSignal;
}

/** What a body reader gets: the attempt's signal, and a way to end the attempt (idle streams). */
export interface AttemptHandle {
  signal: AbortSignal;
  abort(reason: unknown): void;
}

export class ApiTransport {
  constructor(
    private readonly tokens: AccessTokenCache,
    private readonly settings: TransportSettings,
  ) {}

  /**
   * Sends the request until it succeeds, fails for good, or runs out of tries. `read` consumes a
   * 2xx answer inside the attempt, so a connection dropped mid-body is retried like any other.
   */
  async send<T>(
    request: ApiRequest,
    read: (response: Response, attempt: AttemptHandle) => Promise<T>,
  ): Promise<{ value: T; response: Response }> {
    const { maxAttempts, logger } = this.settings;
    const callerSignal = request.abortSignal;
    for (let attempt = 1; ; attempt++) {
      if (callerSignal?.aborted) throw abortReason(callerSignal);
      const outcome = await this.attempt(request, read);
      if (outcome.ok) return outcome.result;
      const failure = outcome.failure;
      const retryable =
        failure instanceof TokenAcquisitionError ? failure.transient : isRetryable(failure.classification);
      if (!retryable || attempt >= maxAttempts) throw failure.withDetails({ attempts: attempt });
      const waitMs = retryWaitMs(attempt, failure.retryAfterMs, {
        delay: this.settings.retryDelay,
        maxRetryAfterMs: this.settings.maxRetryAfterMs,
        random: this.settings.random,
      });
      logger.warn('Management API request failed; retrying', {
        operation: request.operation,
        attempt,
        maxAttempts,
        classification: failure.classification,
        statusCode: failure.statusCode,
        code: failure.code,
        waitMs,
      });
      await this.settings.sleep(waitMs, callerSignal);
    }
  }

  private async attempt<T>(
    request: ApiRequest,
    read: (response: Response, attempt: AttemptHandle) => Promise<T>,
  ): Promise<
    { ok: true; result: { value: T; response: Response } } | { ok: false; failure: ManagementApiError }
  > {
    const callerSignal = request.abortSignal;
    let token: string;
    try {
      token = await this.tokens.getToken(callerSignal);
    } catch (error) {
      if (callerSignal?.aborted) throw abortReason(callerSignal);
      if (error instanceof ManagementApiError) return { ok: false, failure: error };
      throw error;
    }

    const controller = new AbortController();
    const timedOut = new ManagementApiError(
      `${request.operation} failed: no answer within ${this.settings.requestTimeoutMs} ms`,
      { operation: request.operation, classification: 'transient' },
    );
    const timer = setTimeout(() => controller.abort(timedOut), this.settings.requestTimeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal;
    const handle: AttemptHandle = { signal, abort: (reason) => controller.abort(reason) };
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await this.settings.fetch(request.url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal,
        // A redirect would carry our token elsewhere; the API never redirects, so one is a failure.
        redirect: 'manual',
      });
      if (response.status >= 200 && response.status < 300) {
        const value = await read(response, handle);
        return { ok: true, result: { value, response } };
      }
      const bodyText = await response.text();
      if (response.status === 401) this.tokens.invalidate();
      return {
        ok: false,
        failure: apiErrorFromAnswer({
          operation: request.operation,
          statusCode: response.status,
          headers: response.headers,
          bodyText,
          now: this.settings.clock(),
        }),
      };
    } catch (error) {
      if (callerSignal?.aborted) throw abortReason(callerSignal);
      if (error instanceof ManagementApiError) return { ok: false, failure: error };
      if (controller.signal.aborted && controller.signal.reason instanceof ManagementApiError) {
        return { ok: false, failure: controller.signal.reason };
      }
      return { ok: false, failure: networkFailure(request.operation, error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function networkFailure(operation: ManagementOperation, error: unknown): ManagementApiError {
  const network = isNetworkError(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new ManagementApiError(
    `${operation} failed: ${network ? 'network error' : 'request error'} (${why})`,
    {
      operation,
      classification: network ? 'transient' : 'fatal',
      cause: error,
    },
  );
}

/** A sleep that wakes early, rejecting, when the signal aborts. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
