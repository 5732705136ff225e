import type { AccessToken, TokenCredential } from '@azure/identity';
import { AccessTokenCache, TokenAcquisitionError } from '../../shared/managementApi';
import { SecretUnavailableError } from '../../shared/secrets/errors';

function countingCredential(answer: (call: number) => Promise<AccessToken | null>) {
  const scopes: (string | string[])[] = [];
  const credential: TokenCredential = {
    getToken: (scope) => {
      scopes.push(scope);
      return answer(scopes.length);
    },
  };
  return { credential, scopes };
}

describe('access token cache', () => {
  const minute = 60_000;
  let now = Date.parse('2026-03-01T12:00:00Z');
  const clock = () => new Date(now);

  beforeEach(() => {
    now = Date.parse('2026-03-01T12:00:00Z');
  });

  it('asks the credential for the scope once and reuses the token until near expiry', async () => {
    const { credential, scopes } = countingCredential(async (n) => ({
      token: `t${n}`,
      expiresOnTimestamp: now + 60 * minute,
    }));
    const cache = new AccessTokenCache(credential, 'https://manage.office.com/.default', clock, 5 * minute);
    expect(await cache.getToken()).toBe('t1');
    now += 50 * minute;
    expect(await cache.getToken()).toBe('t1');
    now += 6 * minute; // 4 minutes before expiry: inside the margin
    expect(await cache.getToken()).toBe('t2');
    expect(scopes).toEqual(['https://manage.office.com/.default', 'https://manage.office.com/.default']);
  });

  it('honours refreshAfterTimestamp when it comes earlier', async () => {
    const { credential, scopes } = countingCredential(async (n) => ({
      token: `t${n}`,
      expiresOnTimestamp: now + 60 * minute,
      refreshAfterTimestamp: now + 10 * minute,
    }));
    const cache = new AccessTokenCache(credential, 's', clock);
    await cache.getToken();
    now += 11 * minute;
    expect(await cache.getToken()).toBe('t2');
    expect(scopes).toHaveLength(2);
  });

  it('shares one refresh among concurrent callers', async () => {
    let release!: (t: AccessToken) => void;
    const { credential, scopes } = countingCredential(() => new Promise((resolve) => (release = resolve)));
    const cache = new AccessTokenCache(credential, 's', clock);
    const waiting = Array.from({ length: 10 }, () => cache.getToken());
    release({ token: 'shared', expiresOnTimestamp: now + 60 * minute });
    expect(await Promise.all(waiting)).toEqual(Array(10).fill('shared'));
    expect(scopes).toHaveLength(1);
  });

  it('keeps the AADSTS code of a refused secret and marks it as not worth retrying', async () => {
    const { credential } = countingCredential(async () => {
      throw new Error(
        'ClientSecretCredential authentication failed: AADSTS7000222: The provided client secret keys are expired.',
      );
    });
    const cache = new AccessTokenCache(credential, 's', clock);
    const error = await cache.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenAcquisitionError);
    expect(error).toMatchObject({
      aadstsCode: 'AADSTS7000222',
      transient: false,
      classification: 'tokenFailure',
      operation: 'token',
    });
    expect((error as Error).message).not.toContain('client secret keys');
  });

  it('marks a network failure of the token request as transient, and tries again on the next call', async () => {
    const { credential, scopes } = countingCredential(async (n) => {
      if (n === 1) throw Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' });
      return { token: 'ok', expiresOnTimestamp: now + 60 * minute };
    });
    const cache = new AccessTokenCache(credential, 's', clock);
    await expect(cache.getToken()).rejects.toMatchObject({ transient: true, aadstsCode: undefined });
    expect(await cache.getToken()).toBe('ok');
    expect(scopes).toHaveLength(2);
  });

  it('gives up on a token request that hangs, as a transient failure, and aborts it', async () => {
    const signals: ({ aborted: boolean } | undefined)[] = [];
    const credential: TokenCredential = {
      getToken: (_scope, options) => {
        signals.push(options?.abortSignal);
        return new Promise(() => undefined);
      },
    };
    const cache = new AccessTokenCache(credential, 's', clock, 5 * minute, 50);
    await expect(cache.getToken()).rejects.toMatchObject({
      transient: true,
      message: expect.stringMatching(/no answer within 50 ms/),
    });
    expect(signals[0]?.aborted).toBe(true);
    // The hung request is not shared with the next caller: it asks again.
    await expect(cache.getToken()).rejects.toBeInstanceOf(TokenAcquisitionError);
    expect(signals).toHaveLength(2);
  });

  it.each([
    [
      'Entra answering 5xx (MSAL reports network_error)',
      Object.assign(new Error('network_error: See https://aka.ms/msal.js.errors#network_error for details'), {
        name: 'AuthenticationRequiredError',
      }),
    ],
    [
      "Entra's own transient error",
      new Error(
        'ClientSecretCredential authentication failed: AADSTS90033: A transient error has occurred. Please try again.',
      ),
    ],
    ['Entra throttling', new Error('AADSTS90055: The request was throttled.')],
    ['a 503 with a status', Object.assign(new Error('Service Unavailable'), { statusCode: 503 })],
    [
      'Key Vault unreachable',
      new SecretUnavailableError(
        'o365-client-secret',
        'unreachable',
        'Key Vault unreachable reading "o365-client-secret": connect ETIMEDOUT',
      ),
    ],
    [
      'Key Vault answering 503',
      new SecretUnavailableError(
        'o365-client-secret',
        'other',
        'Key Vault refused reading (503)',
        'ServiceUnavailable',
        503,
      ),
    ],
    [
      'Key Vault throttling (429)',
      new SecretUnavailableError(
        'o365-client-secret',
        'other',
        'Key Vault refused reading (429)',
        'Throttled',
        429,
      ),
    ],
  ])('marks %s as transient', async (_what, failure) => {
    const { credential } = countingCredential(async () => {
      throw failure;
    });
    await expect(new AccessTokenCache(credential, 's', clock).getToken()).rejects.toMatchObject({
      transient: true,
    });
  });

  it.each([
    ['a wrong secret', new Error('AADSTS7000215: Invalid client secret provided.')],
    [
      'a missing Key Vault permission',
      new SecretUnavailableError('o365-client-secret', 'forbidden', 'Not allowed', 'Forbidden', 403),
    ],
    [
      'a missing Key Vault secret',
      new SecretUnavailableError('o365-client-secret', 'notFound', 'does not exist', 'SecretNotFound', 404),
    ],
  ])('marks %s as not transient', async (_what, failure) => {
    const { credential } = countingCredential(async () => {
      throw failure;
    });
    await expect(new AccessTokenCache(credential, 's', clock).getToken()).rejects.toMatchObject({
      transient: false,
    });
  });

  it('refuses an empty answer from the credential', async () => {
    const { credential } = countingCredential(async () => null);
    const cache = new AccessTokenCache(credential, 's', clock);
    await expect(cache.getToken()).rejects.toBeInstanceOf(TokenAcquisitionError);
  });

  it('lets a caller stop waiting without failing the shared refresh for others', async () => {
    let release!: (t: AccessToken) => void;
    const { credential } = countingCredential(() => new Promise((resolve) => (release = resolve)));
    const cache = new AccessTokenCache(credential, 's', clock);
    const controller = new AbortController();
    const impatient = cache.getToken(controller.signal);
    const patient = cache.getToken();
    controller.abort(new Error('gave up'));
    await expect(impatient).rejects.toThrow('gave up');
    release({ token: 'late', expiresOnTimestamp: now + 60 * minute });
    expect(await patient).toBe('late');
  });

  it('fetches a new token after invalidate', async () => {
    const { credential } = countingCredential(async (n) => ({
      token: `t${n}`,
      expiresOnTimestamp: now + 60 * minute,
    }));
    const cache = new AccessTokenCache(credential, 's', clock);
    expect(await cache.getToken()).toBe('t1');
    cache.invalidate();
    expect(await cache.getToken()).toBe('t2');
  });
});
