/**
 * One row of the tenant registry, and the pure rules around it: what a row must hold, how a tenant
 * from the settings becomes a row (seeding), and how a row becomes the TenantEntry the settings
 * rules turn into a TenantConfig. One multi-tenant app consented in many tenants is many rows with
 * the same clientId and the same credential name: its credential is stored once.
 */
import { CLOUD_NAMES, isCloudName, type CloudName } from '../config/clouds';
import {
  CREDENTIAL_KINDS,
  credentialOf,
  type CredentialKind,
  type TenantConfig,
  type TenantEntry,
} from '../config/settings';

export interface TenantRecord {
  /** Lower-case GUID; the row key. */
  tenantId: string;
  /** Application (client) id, lower-case GUID. */
  clientId: string;
  cloud: CloudName;
  displayName?: string;
  credential: CredentialKind;
  /** Key Vault item holding the credential (the secret's or the certificate's name); none for federated. */
  credentialName?: string;
  enabled: boolean;
  /** `settings` rows are seeded from O365_TENANT_ID/O365_TENANTS; `registry` rows were added with the CLI. */
  source: 'settings' | 'registry';
  addedAt: string;
  updatedAt: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_VAULT_NAME = /^[0-9A-Za-z-]{1,127}$/;

export interface NewTenant {
  tenantId: string;
  clientId: string;
  cloud?: string;
  displayName?: string;
  credential?: string;
  credentialName?: string;
}

/**
 * Checks what `tenants add` was given and fills the defaults. Without a credential name, a tenant
 * of an app already registered with the same credential kind shares that app's credential (one
 * multi-tenant app, one secret or certificate); otherwise the settings' default names apply.
 */
export function newTenantRecord(
  input: NewTenant,
  existing: readonly TenantRecord[],
  now: Date,
): TenantRecord | string[] {
  const problems: string[] = [];
  if (!GUID.test(input.tenantId)) problems.push(`--tenant must be a GUID, got "${input.tenantId}"`);
  if (!GUID.test(input.clientId)) problems.push(`--client must be a GUID, got "${input.clientId}"`);
  const cloud = input.cloud ?? 'Commercial';
  if (!isCloudName(cloud)) problems.push(`--cloud must be one of ${CLOUD_NAMES.join(', ')}, got "${cloud}"`);
  const credential = input.credential ?? 'secret';
  if (!(CREDENTIAL_KINDS as readonly string[]).includes(credential)) {
    problems.push(`--credential must be one of ${CREDENTIAL_KINDS.join(', ')}, got "${credential}"`);
  }
  if (input.credentialName !== undefined && !KEY_VAULT_NAME.test(input.credentialName)) {
    problems.push(
      `the Key Vault name must be 1-127 letters, digits or dashes, got "${input.credentialName}"`,
    );
  }
  if (credential === 'federated' && input.credentialName !== undefined) {
    problems.push('a federated credential has no Key Vault item: leave out --secret-name/--certificate-name');
  }
  if (problems.length > 0) return problems;
  const tenantId = input.tenantId.toLowerCase();
  const clientId = input.clientId.toLowerCase();
  const kind = credential as CredentialKind;
  const sibling = existing.find((r) => r.clientId === clientId && r.credential === kind);
  const at = now.toISOString();
  return {
    tenantId,
    clientId,
    cloud: cloud as CloudName,
    displayName: input.displayName,
    credential: kind,
    credentialName:
      kind === 'federated'
        ? undefined
        : (input.credentialName ??
          sibling?.credentialName ??
          defaultCredentialName(kind, tenantId, clientId)),
    enabled: true,
    source: 'registry',
    addedAt: at,
    updatedAt: at,
  };
}

function defaultCredentialName(kind: 'secret' | 'certificate', tenantId: string, clientId: string): string {
  return kind === 'secret' ? `o365-client-secret-${tenantId}` : `o365-certificate-${clientId}`;
}

/** The row a tenant of the settings seeds (enabled; the caller keeps an existing row's flag and times). */
export function recordFromSettings(tenant: TenantConfig, now: Date): TenantRecord {
  const source = credentialOf(tenant);
  const at = now.toISOString();
  return {
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    cloud: tenant.cloud,
    displayName: tenant.displayName,
    credential: source.kind,
    credentialName:
      source.kind === 'secret'
        ? tenant.secret.keyVaultSecretName
        : source.kind === 'certificate'
          ? source.keyVaultCertificateName
          : undefined,
    enabled: true,
    source: 'settings',
    addedAt: at,
    updatedAt: at,
  };
}

/** The fields the settings own: a seed rewrites them when they differ, and never touches the rest. */
export function sameDeclaration(a: TenantRecord, b: TenantRecord): boolean {
  return (
    a.clientId === b.clientId &&
    a.cloud === b.cloud &&
    (a.displayName ?? '') === (b.displayName ?? '') &&
    a.credential === b.credential &&
    (a.credentialName ?? '') === (b.credentialName ?? '') &&
    a.source === b.source
  );
}

/** The entry the settings rules turn into a TenantConfig (endpoints, publisher, credential source). */
export function entryOf(record: TenantRecord): TenantEntry {
  return {
    tenantId: record.tenantId,
    clientId: record.clientId,
    cloud: record.cloud,
    displayName: record.displayName,
    credential: record.credential,
    ...(record.credential === 'secret' && record.credentialName ? { secretName: record.credentialName } : {}),
    ...(record.credential === 'certificate' && record.credentialName
      ? { certificateName: record.credentialName }
      : {}),
  };
}
