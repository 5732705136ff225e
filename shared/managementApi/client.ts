/**
 * ManagementActivityClient: the Office 365 Management Activity API for one tenant, shaped like an
 * Azure SDK client (endpoint from config, a TokenCredential, an options bag, abortSignal honoured,
 * typed errors with statusCode and the service's code). It does I/O and typing only; what to do
 * about a failure (resubscribe, skip, alert) is decided by its callers from the error's class.
 */
import type { TokenCredential } from '@azure/identity';
import type { z } from 'zod';
import type { TenantConfig } from '../config/settings';
import { ContentType, isContentType } from '../contentTypes';
import { Logger, silentLogger } from '../log';
import { AccessTokenCache, DEFAULT_REFRESH_MARGIN_MS } from './accessTokenCache';
import { abortableSleep, ApiTransport, AttemptHandle, Sleep } from './apiTransport';
import { assertContentUriAllowed, pageLinkProblem } from './contentUriGuard';
import { ManagementApiError, ManagementOperation, PagingStoppedError } from './errors';
import { JsonArraySplitError, splitJsonArrayStream } from './jsonArraySplitter';
import { nextPageLink, PagedAsyncIterableIterator, pagedIterator } from './paging';
import { feedUrl, formatWindowTime, withPublisherIdentifier } from './requestUrls';
import { DEFAULT_MAX_RETRY_AFTER_MS, DEFAULT_RETRY_DELAY, RetryDelay } from './retryPolicy';
import {
  AvailableContent,
  availableContentListSchema,
  describeIssues,
  DlpSensitiveType,
  dlpSensitiveTypeListSchema,
  NotificationRecord,
  notificationListSchema,
  Subscription,
  subscriptionListSchema,
  subscriptionSchema,
} from './schemas';
import { CLOCK_SKEW_THRESHOLD_MS, shiftWindowForSkew, TimeWindow, windowProblem } from './timeWindow';

export interface ManagementActivityClientOptions {
  /** Per-attempt timeout; for streamContent, the longest silence between two body chunks. Default 30 s. */
  requestTimeoutMs?: number;
  /** Tries per call for throttled and transient failures. Default 5. */
  maxAttempts?: number;
  /** Backoff when the server gives no Retry-After. Default 1 s doubling up to 30 s, full jitter. */
  retryDelay?: RetryDelay;
  /** Cap on a server's Retry-After. Default 60 s. */
  maxRetryAfterMs?: number;
  logger?: Logger;
  fetch?: typeof fetch;
  clock?: () => Date;
  sleep?: Sleep;
  /** Source of jitter, in [0, 1). */
  random?: () => number;
  /** Bound on one record of a streamed blob, in characters. Default 16 Mi. */
  maxElementChars?: number;
  /** How long before expiry a cached token is replaced. Default 5 min. */
  tokenRefreshMarginMs?: number;
  /** Most pages one listing follows before it stops with a PagingStoppedError. Default 1000. */
  maxPagesPerListing?: number;
}

export interface OperationOptions {
  abortSignal?: AbortSignal;
}

export interface WebhookSettings {
  /** https address Microsoft will POST notifications to. */
  address: string;
  /** Echoed back in the Webhook-AuthID header of every notification. */
  authId?: string;
  /** When notifications should stop; null or absent for never. */
  expiration?: string | null;
}

export interface StartSubscriptionOptions extends OperationOptions {
  webhook?: WebhookSettings;
}

export type ClientTenant = Pick<TenantConfig, 'tenantId' | 'endpoints' | 'publisherId'>;

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ATTEMPTS = 5;
// A 24-hour window of one content type is far fewer pages than this even for a large tenant; the cap
// only stops a server whose links never end.
const DEFAULT_MAX_PAGES_PER_LISTING = 1000;
/** The window errors clock skew explains; AF20031 (bad page token) is not one of them. */
const SKEW_WINDOW_CODES = new Set(['AF20030', 'AF20055']);

export class ManagementActivityClient {
  readonly tenantId: string;
  private readonly tenant: ClientTenant;
  private readonly transport: ApiTransport;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly maxElementChars?: number;
  private readonly idleTimeoutMs: number;
  private readonly maxPagesPerListing: number;

  constructor(
    tenant: ClientTenant,
    credential: TokenCredential,
    options: ManagementActivityClientOptions = {},
  ) {
    this.tenant = tenant;
    this.tenantId = tenant.tenantId;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? (() => new Date());
    this.maxElementChars = options.maxElementChars;
    this.idleTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxPagesPerListing = Math.max(1, options.maxPagesPerListing ?? DEFAULT_MAX_PAGES_PER_LISTING);
    const tokens = new AccessTokenCache(
      credential,
      tenant.endpoints.tokenScope,
      this.clock,
      options.tokenRefreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS,
      this.idleTimeoutMs,
    );
    this.transport = new ApiTransport(tokens, {
      requestTimeoutMs: this.idleTimeoutMs,
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS),
      retryDelay: options.retryDelay ?? DEFAULT_RETRY_DELAY,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
      logger: this.logger,
      // Looked up per call, not captured, so a test or host that replaces the global is honoured.
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      clock: this.clock,
      sleep: options.sleep ?? abortableSleep,
      random: options.random ?? Math.random,
    });
  }

  /**
   * Starts (or updates, or re-enables) the subscription. "Already enabled, no property change"
   * (AF20024) is success: the current subscription is then read back with a list call, and only if
   * the listing lacks it is one synthesized from the request.
   */
  async startSubscription(
    contentType: ContentType,
    options: StartSubscriptionOptions = {},
  ): Promise<Subscription> {
    this.checkContentType('startSubscription', contentType);
    const { webhook, abortSignal } = options;
    const body =
      webhook === undefined
        ? undefined
        : {
            webhook: {
              address: webhook.address,
              ...(webhook.authId === undefined ? {} : { authId: webhook.authId }),
              ...(webhook.expiration === undefined ? {} : { expiration: webhook.expiration ?? '' }),
            },
          };
    try {
      const { value } = await this.transport.send(
        {
          operation: 'startSubscription',
          method: 'POST',
          url: this.url('subscriptions/start', { contentType }),
          body,
          abortSignal,
        },
        (response) => readJson(response, subscriptionSchema, 'startSubscription'),
      );
      return value;
    } catch (error) {
      if (!(error instanceof ManagementApiError) || error.classification !== 'benign') throw error;
      this.logger.info('Subscription already enabled with these properties', {
        tenantId: this.tenantId,
        contentType,
      });
      const current = (await this.listSubscriptions({ abortSignal })).find(
        (s) => s.contentType === contentType,
      );
      return (
        current ?? {
          contentType,
          status: 'enabled',
          webhook: webhook
            ? {
                status: 'enabled',
                address: webhook.address,
                authId: webhook.authId ?? null,
                expiration: webhook.expiration ?? null,
              }
            : null,
        }
      );
    }
  }

  /** Stops the subscription. Content that arrives while stopped can never be retrieved. */
  async stopSubscription(contentType: ContentType, options: OperationOptions = {}): Promise<void> {
    this.checkContentType('stopSubscription', contentType);
    await this.transport.send(
      {
        operation: 'stopSubscription',
        method: 'POST',
        url: this.url('subscriptions/stop', { contentType }),
        abortSignal: options.abortSignal,
      },
      async (response) => {
        await response.arrayBuffer();
      },
    );
  }

  listSubscriptions(options: OperationOptions = {}): Promise<Subscription[]> {
    return this.getJson('listSubscriptions', 'subscriptions/list', subscriptionListSchema, options);
  }

  /**
   * Content blobs that became available in [startTime, endTime) (at most 24 h apart, within the
   * last 7 days), following every page. Times are sent to the second.
   */
  listContent(
    contentType: ContentType,
    window: TimeWindow,
    options: OperationOptions = {},
  ): PagedAsyncIterableIterator<AvailableContent> {
    return pagedIterator(() =>
      this.listPages(
        'listContent',
        'subscriptions/content',
        availableContentListSchema,
        contentType,
        window,
        options,
      ),
    );
  }

  /** Notifications sent (or tried) in the window; for diagnosis only, may repeat content. */
  listNotifications(
    contentType: ContentType,
    window: TimeWindow,
    options: OperationOptions = {},
  ): PagedAsyncIterableIterator<NotificationRecord> {
    return pagedIterator(() =>
      this.listPages(
        'listNotifications',
        'subscriptions/notifications',
        notificationListSchema,
        contentType,
        window,
        options,
      ),
    );
  }

  /**
   * The tenant's DLP sensitive information types, `{id, name}`: DLP records name the types they
   * matched by GUID only. Names come in the API's default language (en-US).
   */
  listDlpSensitiveTypes(options: OperationOptions = {}): Promise<DlpSensitiveType[]> {
    return this.getJson(
      'listDlpSensitiveTypes',
      'resources/dlpSensitiveTypes',
      dlpSensitiveTypeListSchema,
      options,
    );
  }

  /** The records of one content blob. The contentUri is checked before any token is requested. */
  async fetchContent(contentUri: string, options: OperationOptions = {}): Promise<unknown[]> {
    const url = this.contentUrl(contentUri);
    const { value } = await this.transport.send(
      { operation: 'fetchContent', method: 'GET', url, abortSignal: options.abortSignal },
      async (response) => {
        const json = await readJsonText(response, 'fetchContent');
        if (!Array.isArray(json)) {
          throw invalidResponse(
            'fetchContent',
            `expected a JSON array of records, got ${describeJson(json)}`,
          );
        }
        return json as unknown[];
      },
    );
    return value;
  }

  /**
   * The same records one by one, holding at most one record (and one network chunk) in memory.
   * Failures before the first byte of the body are retried; a failure mid-body is thrown to the
   * consumer, since records already yielded cannot be taken back.
   */
  streamContent(contentUri: string, options: OperationOptions = {}): AsyncIterable<unknown> {
    return { [Symbol.asyncIterator]: () => this.streamRecords(contentUri, options) };
  }

  private async *streamRecords(
    contentUri: string,
    options: OperationOptions,
  ): AsyncGenerator<unknown, void, undefined> {
    const url = this.contentUrl(contentUri);
    const { value } = await this.transport.send(
      { operation: 'streamContent', method: 'GET', url, abortSignal: options.abortSignal },
      async (response, attempt) => ({ response, attempt }),
    );
    const { response, attempt } = value;
    if (!response.body) throw invalidResponse('streamContent', 'the answer has no body');
    const chunks = chunksUntilIdle(response.body, this.idleTimeoutMs, attempt);
    try {
      yield* splitJsonArrayStream(chunks, { maxElementChars: this.maxElementChars });
    } catch (error) {
      if (options.abortSignal?.aborted) throw error;
      if (error instanceof ManagementApiError) throw error;
      if (error instanceof JsonArraySplitError) {
        throw new ManagementApiError(`streamContent failed: ${error.message}`, {
          operation: 'streamContent',
          classification: 'invalidResponse',
          cause: error,
        });
      }
      throw new ManagementApiError(
        `streamContent failed: the connection broke while reading the body (${(error as Error).message})`,
        { operation: 'streamContent', classification: 'transient', cause: error },
      );
    }
  }

  private async *listPages<T>(
    operation: 'listContent' | 'listNotifications',
    path: string,
    schema: z.ZodType<T[]>,
    contentType: ContentType,
    window: TimeWindow,
    options: OperationOptions,
  ): AsyncGenerator<T[], void, undefined> {
    this.checkContentType(operation, contentType);
    const problem = windowProblem(window);
    if (problem) {
      throw new ManagementApiError(`${operation} refused locally: ${problem}`, {
        operation,
        classification: 'badWindow',
      });
    }
    const windowQuery = (w: TimeWindow) => ({
      contentType,
      startTime: formatWindowTime(w.startTime),
      endTime: formatWindowTime(w.endTime),
    });
    let url: string | undefined = this.url(path, windowQuery(window));
    let firstPage = true;
    let skewRetried = false;
    let pages = 0;
    // Every address asked for, and every link as the server gave it: one seen again means a loop.
    const followed = new Set<string>([url]);
    while (url !== undefined) {
      let page: { value: T[]; response: Response };
      try {
        page = await this.transport.send(
          { operation, method: 'GET', url, abortSignal: options.abortSignal },
          (response) => readJson(response, schema, operation),
        );
      } catch (error) {
        const shifted = firstPage && !skewRetried ? this.windowCorrectedForSkew(error, window) : undefined;
        if (!shifted) throw error;
        skewRetried = true;
        this.logger.warn('Listing window refused; local clock is skewed, retrying with the server clock', {
          operation,
          contentType,
          clockSkewMs: (error as ManagementApiError).clockSkewMs,
          startTime: shifted.startTime.toISOString(),
          endTime: shifted.endTime.toISOString(),
        });
        url = this.url(path, windowQuery(shifted));
        continue;
      }
      firstPage = false;
      pages += 1;
      yield page.value;
      const link = nextPageLink(page.response.headers);
      if (link === undefined) return;
      if (pages >= this.maxPagesPerListing) {
        throw this.pagingStopped(operation, contentType, 'tooManyPages', pages, `the cap is ${pages} pages`);
      }
      const linkProblem = pageLinkProblem(link, {
        tenantId: this.tenantId,
        apiBaseUrl: this.tenant.endpoints.apiBaseUrl,
      });
      if (linkProblem) {
        throw invalidResponse(
          operation,
          `refusing to follow the next-page link (${linkProblem.reason}): ${linkProblem.detail}`,
        );
      }
      const next = withPublisherIdentifier(link, this.tenant.publisherId);
      if (followed.has(link) || followed.has(next)) {
        throw this.pagingStopped(
          operation,
          contentType,
          'pageLinkRepeated',
          pages,
          'the next-page link is one already followed, so the listing would never end',
        );
      }
      followed.add(link).add(next);
      url = next;
    }
  }

  private pagingStopped(
    operation: 'listContent' | 'listNotifications',
    contentType: ContentType,
    reason: 'pageLinkRepeated' | 'tooManyPages',
    pages: number,
    detail: string,
  ): PagingStoppedError {
    this.logger.warn('Listing stopped: its next-page links would not end', {
      operation,
      contentType,
      reason,
      pages,
    });
    return new PagingStoppedError(operation, reason, pages, detail);
  }

  /** On AF20030/AF20055 with a server clock more than a minute off ours, the window in server time. */
  private windowCorrectedForSkew(error: unknown, window: TimeWindow): TimeWindow | undefined {
    if (
      !(error instanceof ManagementApiError) ||
      !error.code ||
      !SKEW_WINDOW_CODES.has(error.code.toUpperCase())
    ) {
      return undefined;
    }
    if (error.clockSkewMs === undefined || error.serverDate === undefined) return undefined;
    if (Math.abs(error.clockSkewMs) <= CLOCK_SKEW_THRESHOLD_MS) return undefined;
    return shiftWindowForSkew(window, error.clockSkewMs, error.serverDate);
  }

  /** A GET of one feed path without parameters, its JSON answer checked against the schema. */
  private async getJson<T>(
    operation: ManagementOperation,
    path: string,
    schema: z.ZodType<T>,
    options: OperationOptions,
  ): Promise<T> {
    const { value } = await this.transport.send(
      { operation, method: 'GET', url: this.url(path, {}), abortSignal: options.abortSignal },
      (response) => readJson(response, schema, operation),
    );
    return value;
  }

  private url(operation: string, query: Record<string, string>): string {
    return feedUrl(
      { tenantId: this.tenantId, apiBaseUrl: this.tenant.endpoints.apiBaseUrl },
      operation,
      query,
      this.tenant.publisherId,
    );
  }

  private contentUrl(contentUri: string): string {
    assertContentUriAllowed(contentUri, {
      tenantId: this.tenantId,
      apiBaseUrl: this.tenant.endpoints.apiBaseUrl,
    });
    return withPublisherIdentifier(contentUri, this.tenant.publisherId);
  }

  private checkContentType(operation: ManagementOperation, contentType: unknown): void {
    if (!isContentType(contentType)) {
      throw new ManagementApiError(
        `${operation} refused locally: "${String(contentType)}" is not a content type`,
        {
          operation,
          classification: 'fatal',
        },
      );
    }
  }
}

async function readJsonText(response: Response, operation: ManagementOperation): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    const preview = text.trim().slice(0, 80);
    throw invalidResponse(
      operation,
      `the answer is not JSON${preview ? ` (starts with ${JSON.stringify(preview)})` : ' (empty body)'}`,
    );
  }
}

async function readJson<T>(
  response: Response,
  schema: z.ZodType<T>,
  operation: ManagementOperation,
): Promise<T> {
  const json = await readJsonText(response, operation);
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw invalidResponse(operation, `unexpected answer shape: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function invalidResponse(operation: ManagementOperation, reason: string): ManagementApiError {
  return new ManagementApiError(`${operation} failed: ${reason}`, {
    operation,
    classification: 'invalidResponse',
  });
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** The body's chunks; a silence longer than idleMs ends the attempt with a transient error. */
async function* chunksUntilIdle(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  attempt: AttemptHandle,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new ManagementApiError(`streamContent failed: the body stalled for ${idleMs} ms`, {
            operation: 'streamContent',
            classification: 'transient',
          });
          attempt.abort(error);
          reject(error);
        }, idleMs);
      });
      let result: Awaited<ReturnType<typeof reader.read>>;
      try {
        result = await Promise.race([reader.read(), idle]);
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
