import {
  AF_CODE_CLASSIFICATION,
  classifyApiFailure,
  ErrorClassification,
  isNetworkError,
  isRetryable,
} from '../../shared/managementApi';
import { apiErrorFromAnswer, readApiErrorBody } from '../../shared/managementApi/responseFailure';

describe('error classification', () => {
  const byCode: [string, number, ErrorClassification][] = [
    ['AF20024', 400, 'benign'],
    ['AF20022', 400, 'resubscribe'],
    ['AF20023', 400, 'disabledByAdmin'],
    ['AF20051', 400, 'expired'],
    ['AF20050', 404, 'notFound'],
    ['AF20052', 400, 'notFound'],
    ['AF20030', 400, 'badWindow'],
    ['AF20055', 400, 'badWindow'],
    ['AF20031', 400, 'badWindow'],
    ['AF429', 403, 'throttled'],
    ['AF429', 429, 'throttled'],
    ['AF50000', 500, 'transient'],
    ['AF50005', 500, 'transient'],
    ['AF50006', 500, 'transient'],
    ['AF10001', 401, 'fatal'],
    ['AF20003', 400, 'fatal'],
    ['AF20010', 401, 'fatal'],
    ['AF20011', 400, 'fatal'],
    ['AF20012', 400, 'fatal'],
    ['AF20013', 400, 'fatal'],
    ['AF20020', 400, 'fatal'],
    ['AF20021', 400, 'fatal'],
  ];

  it.each(byCode)('classifies %s (HTTP %d) as %s', (code, statusCode, expected) => {
    expect(classifyApiFailure({ statusCode, code })).toBe(expected);
    expect(classifyApiFailure({ statusCode, code: code.toLowerCase() })).toBe(expected);
  });

  it('falls back to the HTTP status when the body has no known code', () => {
    expect(classifyApiFailure({ statusCode: 429 })).toBe('throttled');
    expect(classifyApiFailure({ statusCode: 500 })).toBe('transient');
    expect(classifyApiFailure({ statusCode: 503, code: 'AF99999' })).toBe('transient');
    expect(classifyApiFailure({ statusCode: 408 })).toBe('transient');
    expect(classifyApiFailure({ statusCode: 403 })).toBe('fatal');
    expect(classifyApiFailure({ statusCode: 401 })).toBe('fatal');
    expect(classifyApiFailure({ statusCode: 400, code: 'AF99999' })).toBe('fatal');
    expect(classifyApiFailure({ statusCode: 302 })).toBe('fatal');
  });

  it('keeps the classification in one table that only names known classes', () => {
    const classes = new Set(Object.values(AF_CODE_CLASSIFICATION));
    for (const c of classes)
      expect([
        'benign',
        'resubscribe',
        'disabledByAdmin',
        'expired',
        'notFound',
        'badWindow',
        'throttled',
        'transient',
        'fatal',
      ]).toContain(c);
  });

  it('retries only throttled and transient failures', () => {
    expect(isRetryable('throttled')).toBe(true);
    expect(isRetryable('transient')).toBe(true);
    for (const c of [
      'benign',
      'resubscribe',
      'disabledByAdmin',
      'expired',
      'notFound',
      'badWindow',
      'fatal',
      'invalidResponse',
      'tokenFailure',
    ] as const) {
      expect(isRetryable(c)).toBe(false);
    }
  });

  it('recognizes network failures by code or message, also as the cause', () => {
    expect(isNetworkError(Object.assign(new Error('read'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isNetworkError(new Error('socket hang up'))).toBe(true);
    expect(
      isNetworkError(
        new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) }),
      ),
    ).toBe(true);
    expect(isNetworkError(new Error('AADSTS7000215: Invalid client secret provided.'))).toBe(false);
    expect(isNetworkError('ECONNRESET')).toBe(false);
  });
});

describe('failed answers', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const headers = (h: Record<string, string>) => new Headers(h);

  it('reads the documented error body', () => {
    expect(
      readApiErrorBody(
        '{"error":{"code":"AF20051","message":"Content requested with the key x has already expired."}}',
      ),
    ).toEqual({
      code: 'AF20051',
      message: 'Content requested with the key x has already expired.',
    });
  });

  it('finds the code in a body quoted with single quotes, as troubleshooting pages show AF429', () => {
    expect(
      readApiErrorBody("{'error':{'code':'AF429','message':'Too many requests. Method=GetBlob'}}").code,
    ).toBe('AF429');
    expect(readApiErrorBody('<html>bad gateway</html>').code).toBeUndefined();
  });

  it('turns 403 with AF429 into a throttled error with Retry-After, server date and skew', () => {
    const error = apiErrorFromAnswer({
      operation: 'fetchContent',
      statusCode: 403,
      headers: headers({ 'retry-after': '7', date: 'Sun, 01 Mar 2026 12:02:00 GMT' }),
      bodyText: '{"error":{"code":"AF429","message":"Too many requests. Method=GetBlob, PublisherId=x"}}',
      now,
    });
    expect(error).toMatchObject({
      classification: 'throttled',
      statusCode: 403,
      code: 'AF429',
      operation: 'fetchContent',
      retryAfterMs: 7000,
      clockSkewMs: 120_000,
    });
    expect(error.serverDate?.toISOString()).toBe('2026-03-01T12:02:00.000Z');
    expect(error.message).toContain('AF429');
  });

  it('names an empty body rather than leaving the message blank', () => {
    const error = apiErrorFromAnswer({
      operation: 'listSubscriptions',
      statusCode: 503,
      headers: headers({}),
      bodyText: '',
      now,
    });
    expect(error.classification).toBe('transient');
    expect(error.message).toContain('no body');
    expect(error.serverDate).toBeUndefined();
  });
});
