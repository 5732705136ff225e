/**
 * The admin-consent link for a multi-tenant app: a Global Administrator (or Privileged Role
 * Administrator) of the customer tenant opens it, signs in and grants the app's application
 * permissions, which puts the app's service principal in that tenant. The login host is the cloud's.
 */
import { CLOUD_PRESETS, type CloudName } from '../config/clouds';

export function adminConsentUrl(options: {
  tenantId: string;
  clientId: string;
  cloud: CloudName;
  /** Where Entra sends the admin afterwards; must be a reply URL of the app. Optional. */
  redirectUri?: string;
}): string {
  const url = new URL(`${CLOUD_PRESETS[options.cloud].authorityHost}/${options.tenantId}/adminconsent`);
  url.searchParams.set('client_id', options.clientId);
  if (options.redirectUri !== undefined) url.searchParams.set('redirect_uri', options.redirectUri);
  return url.toString();
}
