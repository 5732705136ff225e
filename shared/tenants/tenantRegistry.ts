/**
 * The tenant registry in Table Storage (TENANTS_TABLE_NAME, default o365tenants): one row per tenant
 * (partition `tenant`, row key the tenant id), so tenants are added, disabled and removed without a
 * redeploy. Writes that change a row are conditional on its ETag, so two operators (or an operator
 * and a seeding instance) cannot overwrite each other's change unseen.
 *
 * Seeding from the settings is idempotent: a tenant missing from the registry is added enabled; a
 * tenant already there gets the fields the settings declare (app, cloud, name, credential) when they
 * differ, but keeps its enabled flag and its added time — a tenant disabled in the registry stays
 * disabled, because disabling is an operator's decision that a restart must not undo. Tenants not in
 * the settings are left alone.
 */
import type { TableClient } from '@azure/data-tables';
import { CREDENTIAL_KINDS, type CredentialKind, type TenantConfig } from '../config/settings';
import { isCloudName } from '../config/clouds';
import { tableCreator } from '../state/ensureTable';
import { isNotFound, isWriteConflict, StorageOperationError } from '../storage/storageError';
import { recordFromSettings, sameDeclaration, type TenantRecord } from './tenantRecord';

export const TENANT_PARTITION = 'tenant';

interface TenantRow {
  partitionKey: string;
  rowKey: string;
  clientId: string;
  cloud: string;
  displayName?: string;
  credential: string;
  credentialName?: string;
  enabled: boolean;
  source: string;
  addedAt: string;
  updatedAt: string;
}

export class TenantExistsError extends Error {
  override readonly name = 'TenantExistsError';
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} is already in the registry`);
  }
}

export class TenantNotFoundError extends Error {
  override readonly name = 'TenantNotFoundError';
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} is not in the registry`);
  }
}

export interface RegistryListing {
  records: TenantRecord[];
  /** Rows that could not be read as a tenant (edited by hand, written by a newer version), with why. */
  unreadable: { tenantId: string; reason: string }[];
}

export interface SeedResult {
  added: string[];
  updated: string[];
  unchanged: string[];
}

const MAX_CONFLICT_RETRIES = 3;

export class TenantRegistry {
  readonly ensureExists: () => Promise<void>;

  constructor(
    private readonly table: TableClient,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.ensureExists = tableCreator(table);
  }

  async list(): Promise<RegistryListing> {
    await this.ensureExists();
    const listing: RegistryListing = { records: [], unreadable: [] };
    try {
      const rows = this.table.listEntities<TenantRow>({
        queryOptions: { filter: `PartitionKey eq '${TENANT_PARTITION}'` },
      });
      for await (const row of rows) {
        const parsed = recordOfRow(row);
        if (typeof parsed === 'string') listing.unreadable.push({ tenantId: row.rowKey, reason: parsed });
        else listing.records.push(parsed);
      }
    } catch (e) {
      throw new StorageOperationError(`list tenants in ${this.table.tableName}`, e);
    }
    listing.records.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
    return listing;
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    return (await this.read(tenantId.toLowerCase()))?.record;
  }

  /** Adds a new tenant; TenantExistsError when the id is taken (enable/disable change an existing one). */
  async add(record: TenantRecord): Promise<void> {
    await this.ensureExists();
    try {
      await this.table.createEntity(rowOf(record));
    } catch (e) {
      if (isWriteConflict(e)) throw new TenantExistsError(record.tenantId);
      throw new StorageOperationError(`add tenant ${record.tenantId}`, e);
    }
  }

  /** Returns the row as it now is; TenantNotFoundError when there is none. */
  setEnabled(tenantId: string, enabled: boolean): Promise<TenantRecord> {
    return this.change(tenantId.toLowerCase(), (record) =>
      record.enabled === enabled ? undefined : { ...record, enabled },
    );
  }

  /** False when there was no such tenant. */
  async remove(tenantId: string): Promise<boolean> {
    await this.ensureExists();
    try {
      await this.table.deleteEntity(TENANT_PARTITION, tenantId.toLowerCase());
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw new StorageOperationError(`remove tenant ${tenantId}`, e);
    }
  }

  async seed(tenants: readonly TenantConfig[]): Promise<SeedResult> {
    const result: SeedResult = { added: [], updated: [], unchanged: [] };
    for (const tenant of tenants) {
      const declared = recordFromSettings(tenant, this.clock());
      try {
        await this.add(declared);
        result.added.push(tenant.tenantId);
        continue;
      } catch (e) {
        if (!(e instanceof TenantExistsError)) throw e;
      }
      let changed = false;
      await this.change(tenant.tenantId, (record) => {
        if (sameDeclaration(record, declared)) return undefined;
        changed = true;
        return { ...declared, enabled: record.enabled, addedAt: record.addedAt };
      });
      (changed ? result.updated : result.unchanged).push(tenant.tenantId);
    }
    return result;
  }

  /** Read, change, write back under the row's ETag; re-read and retry when someone wrote in between. */
  private async change(
    tenantId: string,
    update: (record: TenantRecord) => TenantRecord | undefined,
  ): Promise<TenantRecord> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.read(tenantId);
      if (!current) throw new TenantNotFoundError(tenantId);
      const next = update(current.record);
      if (!next) return current.record;
      const written = { ...next, updatedAt: this.clock().toISOString() };
      try {
        await this.table.updateEntity(rowOf(written), 'Replace', { etag: current.etag });
        return written;
      } catch (e) {
        if (!isWriteConflict(e) || attempt >= MAX_CONFLICT_RETRIES) {
          throw new StorageOperationError(`update tenant ${tenantId}`, e);
        }
      }
    }
  }

  private async read(tenantId: string): Promise<{ record: TenantRecord; etag: string } | undefined> {
    await this.ensureExists();
    let row: TenantRow & { etag: string };
    try {
      row = await this.table.getEntity<TenantRow>(TENANT_PARTITION, tenantId);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new StorageOperationError(`read tenant ${tenantId}`, e);
    }
    const record = recordOfRow(row);
    if (typeof record === 'string')
      throw new Error(`registry row of tenant ${tenantId} is unreadable: ${record}`);
    return { record, etag: row.etag };
  }
}

function rowOf(record: TenantRecord): TenantRow {
  return {
    partitionKey: TENANT_PARTITION,
    rowKey: record.tenantId,
    clientId: record.clientId,
    cloud: record.cloud,
    ...(record.displayName !== undefined ? { displayName: record.displayName } : {}),
    credential: record.credential,
    ...(record.credentialName !== undefined ? { credentialName: record.credentialName } : {}),
    enabled: record.enabled,
    source: record.source,
    addedAt: record.addedAt,
    updatedAt: record.updatedAt,
  };
}

/** A row as a record, or why it is not one. */
function recordOfRow(row: Partial<TenantRow> & { rowKey?: string }): TenantRecord | string {
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const tenantId = str(row.rowKey);
  const clientId = str(row.clientId);
  const cloud = str(row.cloud);
  const credential = str(row.credential);
  if (!tenantId || !clientId) return 'no tenant or client id';
  if (!cloud || !isCloudName(cloud)) return `unknown cloud "${String(row.cloud)}"`;
  if (!credential || !(CREDENTIAL_KINDS as readonly string[]).includes(credential)) {
    return `unknown credential kind "${String(row.credential)}"`;
  }
  if (typeof row.enabled !== 'boolean') return 'no enabled flag';
  return {
    tenantId: tenantId.toLowerCase(),
    clientId: clientId.toLowerCase(),
    cloud,
    displayName: str(row.displayName),
    credential: credential as CredentialKind,
    credentialName: str(row.credentialName),
    enabled: row.enabled,
    source: row.source === 'settings' ? 'settings' : 'registry',
    addedAt: str(row.addedAt) ?? '',
    updatedAt: str(row.updatedAt) ?? '',
  };
}
