/**
 * What the functions ask about tenants: is this tenant one we serve, and which tenants are there.
 * It reads the registry at most once per cache period (≤ 60 s), so every function instance sees an
 * added, disabled or removed tenant within a minute, without a restart. A tenant listed in the
 * settings keeps the settings' TenantConfig (with its local fallbacks), while the registry decides
 * whether it is enabled; until the registry holds it (each instance seeds it at its first
 * invocation) a tenant of the settings is served as configured.
 *
 * When the registry cannot be read: the last snapshot is served; with none yet, a tenant of the
 * settings is still served and any other lookup fails with TenantRegistryUnavailableError, so a
 * caller can ask for a retry instead of refusing a tenant it merely cannot check.
 */
import type { AppConfig, TenantConfig } from '../config/settings';
import { ConfigError, tenantFromEntry } from '../config/settings';
import type { Logger } from '../log';
import type { RegistryListing } from './tenantRegistry';
import { entryOf, type TenantRecord } from './tenantRecord';

export type TenantLookup =
  | { status: 'active'; tenant: TenantConfig }
  /** Known but not served; `reason` is the one line a refusal gives. */
  | { status: 'disabled' | 'unknown' | 'invalid'; tenantId: string; reason: string };

export interface TenantDirectory {
  get(tenantId: string): Promise<TenantLookup>;
  /** The enabled tenants, usable as they are. */
  list(): Promise<TenantConfig[]>;
}

export class TenantRegistryUnavailableError extends Error {
  override readonly name = 'TenantRegistryUnavailableError';
  constructor(
    readonly tenantId: string,
    readonly reason: string,
  ) {
    super(`tenant ${tenantId} cannot be checked: the tenant registry is unreadable (${reason})`);
  }
}

/** What a lookup of a tenant no one added (or that was removed) answers. */
export function notInRegistryReason(tenantId: string): string {
  return `tenant ${tenantId} is not a configured tenant: it is not in the tenant registry (never added, or removed)`;
}

/**
 * A directory of a fixed list of tenants, all served: for code paths and tests that have no
 * registry (the settings' tenants as they are).
 */
export function staticTenantDirectory(tenants: readonly TenantConfig[]): TenantDirectory {
  const byId = new Map(tenants.map((t) => [t.tenantId, t]));
  return {
    get: async (tenantId) => {
      const id = tenantId.toLowerCase();
      const tenant = byId.get(id);
      return tenant
        ? { status: 'active', tenant }
        : { status: 'unknown', tenantId: id, reason: `tenant ${id} is not a configured tenant` };
    },
    list: async () => [...tenants],
  };
}

export const MAX_TENANT_CACHE_SECONDS = 60;
/** After a failed registry read, how long the last good snapshot is served before trying again. */
const RETRY_AFTER_FAILURE_MS = 5000;

export interface CachedTenantDirectoryOptions {
  config: Pick<AppConfig, 'tenants' | 'tenantDefaults'>;
  /** Default and maximum 60. */
  cacheSeconds?: number;
  clock?: () => Date;
  logger?: Logger;
}

interface Snapshot {
  lookups: Map<string, TenantLookup>;
  active: TenantConfig[];
}

export class CachedTenantDirectory implements TenantDirectory {
  private readonly cacheMs: number;
  private readonly clock: () => Date;
  private snapshot?: Snapshot;
  private freshUntil = 0;
  private refreshing?: Promise<Snapshot>;

  constructor(
    private readonly registry: { list(): Promise<RegistryListing> },
    private readonly options: CachedTenantDirectoryOptions,
  ) {
    this.cacheMs =
      Math.min(options.cacheSeconds ?? MAX_TENANT_CACHE_SECONDS, MAX_TENANT_CACHE_SECONDS) * 1000;
    this.clock = options.clock ?? (() => new Date());
  }

  async get(tenantId: string): Promise<TenantLookup> {
    const id = tenantId.toLowerCase();
    let snapshot: Snapshot;
    try {
      snapshot = await this.current();
    } catch (e) {
      const fromSettings = this.settingsTenant(id);
      if (fromSettings) return { status: 'active', tenant: fromSettings };
      throw new TenantRegistryUnavailableError(id, e instanceof Error ? e.message : String(e));
    }
    return snapshot.lookups.get(id) ?? { status: 'unknown', tenantId: id, reason: notInRegistryReason(id) };
  }

  async list(): Promise<TenantConfig[]> {
    return [...(await this.current()).active];
  }

  private async current(): Promise<Snapshot> {
    if (this.snapshot && this.clock().getTime() < this.freshUntil) return this.snapshot;
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    try {
      return await this.refreshing;
    } catch (e) {
      if (!this.snapshot) throw e;
      // Serving what we last knew beats refusing every tenant while storage hiccups.
      this.freshUntil = this.clock().getTime() + RETRY_AFTER_FAILURE_MS;
      this.options.logger?.warn('tenant registry unreadable; serving the last known tenants', {
        reason: e instanceof Error ? e.message : String(e),
      });
      return this.snapshot;
    }
  }

  private async load(): Promise<Snapshot> {
    const startedAt = this.clock().getTime();
    const listing = await this.registry.list();
    const snapshot = this.build(listing);
    this.snapshot = snapshot;
    this.freshUntil = startedAt + this.cacheMs;
    return snapshot;
  }

  private build(listing: RegistryListing): Snapshot {
    const lookups = new Map<string, TenantLookup>();
    const active: TenantConfig[] = [];
    for (const { tenantId, reason } of listing.unreadable) {
      lookups.set(tenantId, { status: 'invalid', tenantId, reason: `registry row unreadable: ${reason}` });
    }
    for (const record of listing.records) {
      const lookup = this.lookupOf(record);
      lookups.set(record.tenantId, lookup);
      if (lookup.status === 'active') active.push(lookup.tenant);
    }
    for (const tenant of this.options.config.tenants) {
      if (lookups.has(tenant.tenantId)) continue;
      // Not seeded yet: `tenants remove` refuses a tenant of the settings, so this is the only way here.
      lookups.set(tenant.tenantId, { status: 'active', tenant });
      active.push(tenant);
    }
    return { lookups, active };
  }

  private settingsTenant(tenantId: string): TenantConfig | undefined {
    return this.options.config.tenants.find((t) => t.tenantId === tenantId);
  }

  private lookupOf(record: TenantRecord): TenantLookup {
    if (!record.enabled) {
      return {
        status: 'disabled',
        tenantId: record.tenantId,
        reason: `tenant ${record.tenantId} is disabled in the tenant registry`,
      };
    }
    const fromSettings = this.settingsTenant(record.tenantId);
    if (fromSettings && record.source === 'settings') return { status: 'active', tenant: fromSettings };
    const tenant = tenantFromEntry(entryOf(record), this.options.config.tenantDefaults);
    if (tenant instanceof ConfigError) {
      const reason = tenant.problems.map((p) => `${p.setting} ${p.message}`).join('; ');
      this.options.logger?.warn('tenant registry row cannot be used', { tenantId: record.tenantId, reason });
      return { status: 'invalid', tenantId: record.tenantId, reason: `tenant ${record.tenantId}: ${reason}` };
    }
    return { status: 'active', tenant };
  }
}
