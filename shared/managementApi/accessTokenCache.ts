/**
 * A small cache in front of a TokenCredential: one token per scope, refreshed a few minutes before
 * it expires, and one refresh shared by every concurrent caller (a burst of queue messages must not
 * become a burst of token requests). Failures are typed here, keeping the Entra AADSTS code.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { isTransientTokenFailure } from './errorClassification';
import { TokenAcquisitionError, tokenAcquisitionErrorFrom } from './errors';

export const DEFAULT_REFRESH_MARGIN_MS = 5 * 60_000;
/** How long one token request (Key Vault read included) may take before it counts as a transient failure. */
export const DEFAULT_TOKEN_TIMEOUT_MS = 30_000;

export class AccessTokenCache {
  private token: AccessToken | undefined;
  private refreshing: Promise<AccessToken> | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly refreshMarginMs: number = DEFAULT_REFRESH_MARGIN_MS,
    private readonly timeoutMs: number = DEFAULT_TOKEN_TIMEOUT_MS,
  ) {}

  /** A bearer token for the scope. Throws TokenAcquisitionError. */
  async getToken(abortSignal?: AbortSignal): Promise<string> {
    const now = this.clock().getTime();
    if (this.token && now < this.refreshAt(this.token)) return this.token.token;
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    // The shared refresh is not tied to one caller's signal; a caller that gives up only stops waiting.
    const token = await untilAborted(this.refreshing, abortSignal);
    return token.token;
  }

  /** Forget the token, e.g. after the API answered 401 to it. */
  invalidate(): void {
    this.token = undefined;
  }

  private refreshAt(token: AccessToken): number {
    const beforeExpiry = token.expiresOnTimestamp - this.refreshMarginMs;
    return token.refreshAfterTimestamp === undefined
      ? beforeExpiry
      : Math.min(beforeExpiry, token.refreshAfterTimestamp);
  }

  private async refresh(): Promise<AccessToken> {
    let token: AccessToken | null;
    // A hung token endpoint would otherwise hold every caller (they share this refresh) until the
    // function times out; the abort also ends the credential's own request.
    const controller = new AbortController();
    const timedOut = new TokenAcquisitionError(
      `Could not get an access token: no answer within ${this.timeoutMs} ms`,
      { transient: true },
    );
    const timer = setTimeout(() => controller.abort(timedOut), this.timeoutMs);
    try {
      token = await untilAborted(
        this.credential.getToken(this.scope, { abortSignal: controller.signal }),
        controller.signal,
      );
    } catch (error) {
      if (error instanceof TokenAcquisitionError) throw error;
      throw tokenAcquisitionErrorFrom(error, isTransientTokenFailure(error));
    } finally {
      clearTimeout(timer);
    }
    if (!token || typeof token.token !== 'string' || token.token === '') {
      throw new TokenAcquisitionError('Could not get an access token: the credential returned none', {
        transient: false,
      });
    }
    this.token = token;
    return token;
  }
}

export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
