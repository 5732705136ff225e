/** The Office 365 Management Activity API client and its pure building blocks. */
export {
  ManagementActivityClient,
  type ManagementActivityClientOptions,
  type OperationOptions,
  type StartSubscriptionOptions,
  type WebhookSettings,
  type ClientTenant,
} from './client';
export { createClientSecretCredential } from './credential';
export {
  ManagementApiError,
  TokenAcquisitionError,
  ContentUriRejectedError,
  PagingStoppedError,
  type ContentUriRejection,
  type ManagementOperation,
  type ManagementApiErrorDetails,
} from './errors';
export {
  AF_CODE_CLASSIFICATION,
  classifyApiFailure,
  isRetryable,
  isNetworkError,
  type ErrorClassification,
} from './errorClassification';
export {
  assertContentUriAllowed,
  contentIdMismatch,
  contentUriProblem,
  pageLinkProblem,
  type ApiUrlScope,
  type ContentUriProblem,
} from './contentUriGuard';
export {
  JsonArraySplitter,
  JsonArraySplitError,
  splitJsonArray,
  splitJsonArrayStream,
  DEFAULT_MAX_ELEMENT_CHARS,
  type JsonArraySplitFailure,
} from './jsonArraySplitter';
export {
  backoffDelayMs,
  parseRetryAfter,
  retryWaitMs,
  DEFAULT_RETRY_DELAY,
  type RetryDelay,
} from './retryPolicy';
export { AccessTokenCache } from './accessTokenCache';
export { nextPageLink, type PagedAsyncIterableIterator } from './paging';
export { withPublisherIdentifier, formatWindowTime } from './requestUrls';
export { shiftWindowForSkew, type TimeWindow } from './timeWindow';
export type {
  Subscription,
  SubscriptionWebhook,
  AvailableContent,
  NotificationRecord,
  DlpSensitiveType,
} from './schemas';
