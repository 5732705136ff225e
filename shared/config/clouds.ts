/**
 * Cloud presets: where the Management Activity API and the Entra token authority live for each
 * Microsoft 365 cloud. Values the public docs do not pin down (marked below) can be overridden per
 * tenant or globally through settings, so a user is never stuck on our guess.
 */
export const CLOUD_NAMES = ['Commercial', 'GCC', 'GCCHigh', 'DoD'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export interface CloudEndpoints {
  /** Base URL of the API, scheme + host (+ port for local stand-ins), no trailing slash. */
  apiBaseUrl: string;
  /** Entra authority host, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** OAuth2 client-credentials scope. */
  tokenScope: string;
  /** Microsoft Graph base URL, used only for the optional secret-expiry check. */
  graphBaseUrl: string;
}

export const CLOUD_PRESETS: Readonly<Record<CloudName, CloudEndpoints>> = {
  Commercial: {
    apiBaseUrl: 'https://manage.office.com',
    authorityHost: 'https://login.microsoftonline.com',
    tokenScope: 'https://manage.office.com/.default',
    graphBaseUrl: 'https://graph.microsoft.com',
  },
  // GCC shares the commercial authority; the scope on its own API host is not confirmed by the docs
  // (some scripts use the commercial scope): override with O365_TOKEN_SCOPE if tokens are refused.
  GCC: {
    apiBaseUrl: 'https://manage-gcc.office.com',
    authorityHost: 'https://login.microsoftonline.com',
    tokenScope: 'https://manage-gcc.office.com/.default',
    graphBaseUrl: 'https://graph.microsoft.com',
  },
  // The .us authority for GCC High and DoD comes from Microsoft scripts, not the API docs.
  GCCHigh: {
    apiBaseUrl: 'https://manage.office365.us',
    authorityHost: 'https://login.microsoftonline.us',
    tokenScope: 'https://manage.office365.us/.default',
    graphBaseUrl: 'https://graph.microsoft.us',
  },
  DoD: {
    apiBaseUrl: 'https://manage.protection.apps.mil',
    authorityHost: 'https://login.microsoftonline.us',
    tokenScope: 'https://manage.protection.apps.mil/.default',
    graphBaseUrl: 'https://dod-graph.microsoft.us',
  },
};

export function isCloudName(value: string): value is CloudName {
  return (CLOUD_NAMES as readonly string[]).includes(value);
}

/**
 * Audience of the managed-identity token a federated identity credential accepts, per cloud (the
 * value Microsoft documents for the app registration's federated credential). GCC shares the
 * commercial Entra; GCC High and DoD sign in at the US Government Entra.
 */
export const TOKEN_EXCHANGE_AUDIENCES: Readonly<Record<CloudName, string>> = {
  Commercial: 'api://AzureADTokenExchange',
  GCC: 'api://AzureADTokenExchange',
  GCCHigh: 'api://AzureADTokenExchangeUSGov',
  DoD: 'api://AzureADTokenExchangeUSGov',
};
