/**
 * The Management Activity API's error codes as data: the code, the HTTP status the simulator answers
 * with and the message template. The docs give the body shape `{"error":{"code","message"}}` but not
 * a status per code; observed ones are AF429 with 403 and AF20024 with 400. Everything else here
 * answers 400, except the authorization codes.
 */
export type ApiErrorCode =
  | 'AF10001'
  | 'AF20001'
  | 'AF20002'
  | 'AF20003'
  | 'AF20010'
  | 'AF20013'
  | 'AF20020'
  | 'AF20021'
  | 'AF20022'
  | 'AF20023'
  | 'AF20024'
  | 'AF20030'
  | 'AF20031'
  | 'AF20050'
  | 'AF20051'
  | 'AF20052'
  | 'AF20055'
  | 'AF429'
  | 'AF50000';

export interface ApiError {
  status: number;
  code: ApiErrorCode | 'Unauthorized' | 'NotFound';
  message: string;
  /** Extra response headers (Retry-After). */
  headers?: Record<string, string>;
}

const WINDOW_RULE =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';

export const apiErrors = {
  missingParameter: (name: string): ApiError => ({
    status: 400,
    code: 'AF20001',
    message: `Missing parameter: ${name}.`,
  }),
  invalidParameterType: (name: string, expected: string): ApiError => ({
    status: 400,
    code: 'AF20002',
    message: `Invalid parameter type: ${name}. Expected type: ${expected}.`,
  }),
  expirationInPast: (expiration: string): ApiError => ({
    status: 400,
    code: 'AF20003',
    message: `Expiration ${expiration} provided is set to past date and time.`,
  }),
  // The docs do not say which status AF20010 comes with; 401 keeps it with the other token problems.
  tenantMismatch: (urlTenant: string, tokenTenant: string): ApiError => ({
    status: 401,
    code: 'AF20010',
    message: `The tenant ID passed in the URL (${urlTenant}) does not match the tenant ID passed in the access token (${tokenTenant}).`,
  }),
  tenantNotGuid: (urlTenant: string): ApiError => ({
    status: 400,
    code: 'AF20013',
    message: `The tenant ID passed in the URL (${urlTenant}) is not a valid GUID.`,
  }),
  invalidContentType: (): ApiError => ({
    status: 400,
    code: 'AF20020',
    message: 'The specified content type is not valid.',
  }),
  webhookNotValidated: (address: string, reason: 'not200' | 'notHttps'): ApiError => ({
    status: 400,
    code: 'AF20021',
    message: `The webhook endpoint ${address} could not be validated. ${
      reason === 'notHttps' ? 'The address must begin with HTTPS.' : 'The endpoint did not return HTTP 200.'
    }`,
  }),
  noSubscription: (): ApiError => ({
    status: 400,
    code: 'AF20022',
    message: 'No subscription found for the specified content type.',
  }),
  disabledByAdmin: (): ApiError => ({
    status: 400,
    code: 'AF20023',
    message: 'The subscription was disabled by a tenant admin.',
  }),
  alreadyEnabled: (): ApiError => ({
    status: 400,
    code: 'AF20024',
    message: 'The subscription is already enabled. No property change.',
  }),
  badWindow: (): ApiError => ({ status: 400, code: 'AF20030', message: WINDOW_RULE }),
  startNotBeforeEnd: (): ApiError => ({
    status: 400,
    code: 'AF20055',
    message:
      'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past.',
  }),
  badNextPage: (token: string): ApiError => ({
    status: 400,
    code: 'AF20031',
    message: `Invalid nextPage Input: ${token}.`,
  }),
  unknownContent: (contentId: string): ApiError => ({
    status: 400,
    code: 'AF20050',
    message: `The specified content (${contentId}) does not exist.`,
  }),
  expiredContent: (contentId: string): ApiError => ({
    status: 400,
    code: 'AF20051',
    message: `Content requested with the key ${contentId} has already expired. Content older than 7 days cannot be retrieved.`,
  }),
  malformedContentId: (contentId: string): ApiError => ({
    status: 400,
    code: 'AF20052',
    message: `Content ID ${contentId} in the URL is invalid.`,
  }),
  missingPermission: (roles: string): ApiError => ({
    status: 401,
    code: 'AF10001',
    message: `The permission set (${roles}) sent in the request did not include the expected permission ActivityFeed.Read.`,
  }),
  /**
   * The docs do not name the error for a /start made within 15 minutes of the previous one. We answer
   * HTTP 400 with AF429 (the API's own "too many requests" code) and a Retry-After giving the seconds
   * left, so a client that honours throttling waits, and one that does not sees a clear message.
   */
  startTooSoon: (method: string, publisherId: string, waitSeconds: number): ApiError => ({
    status: 400,
    code: 'AF429',
    message: `Too many requests. Method=${method}, PublisherId=${publisherId}. A subscription start for this content type was made less than 15 minutes ago; retry in ${waitSeconds} seconds.`,
    headers: { 'Retry-After': String(waitSeconds) },
  }),
  tooManyRequests: (status: 403 | 429, method: string, publisherId: string): ApiError => ({
    status,
    code: 'AF429',
    message: `Too many requests. Method=${method}, PublisherId=${publisherId}`,
  }),
  internal: (): ApiError => ({
    status: 500,
    code: 'AF50000',
    message: 'An internal error occurred. Retry the request.',
  }),
  // The docs do not show the body of a 401; this one names the reason so test failures read well.
  unauthorized: (reason: string): ApiError => ({
    status: 401,
    code: 'Unauthorized',
    message: `Authorization has been denied for this request. ${reason}`,
    headers: { 'WWW-Authenticate': 'Bearer' },
  }),
  notFound: (path: string): ApiError => ({
    status: 404,
    code: 'NotFound',
    message: `No operation at ${path}.`,
  }),
} as const;

export function errorBody(error: ApiError): { error: { code: string; message: string } } {
  return { error: { code: error.code, message: error.message } };
}
