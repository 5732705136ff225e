/** What every part of one simulator instance shares. The base URLs are known once all listeners run. */
import type { KeyObject } from 'node:crypto';
import type { TokenMint } from './accessTokens';
import type { PageTokens } from './pageTokens';
import type { TenantDirectory } from './tenantDirectory';

export interface SimulatorContext {
  clock: () => Date;
  directory: TenantDirectory;
  mint: TokenMint;
  pageTokens: PageTokens;
  urls: { apiBaseUrl: string; authorityHost: string; graphBaseUrl: string };
  /** Signing keys of the token issuers federated credentials may name, by issuer. */
  trustedIssuers: Map<string, KeyObject[]>;
}
