/**
 * The names of each tenant's DLP sensitive information types, read from `resources/dlpSensitiveTypes`
 * at most once a day per tenant and kept in memory (a few hundred short entries). DLP records name
 * the types they matched by GUID only; the normalizer is handed a lookup and does no I/O itself.
 *
 * A failed read never holds up or fails a blob: it is logged, the names read before (or none) stay
 * in use, and the next read is tried an hour later at the earliest, so a tenant without the
 * permission or a failing endpoint costs one call an hour, not one per blob.
 */
import { Logger, silentLogger } from '../log';
import type { DlpSensitiveType } from './schemas';

export type SensitiveTypeLookup = (id: string) => string | undefined;

export interface DlpSensitiveTypeCacheOptions {
  /** How long names are used before they are read again (default one day). */
  refreshMs?: number;
  /** How long after a failed read the next one is tried (default one hour). */
  retryMs?: number;
  now?: () => number;
  logger?: Logger;
}

interface TenantNames {
  names: ReadonlyMap<string, string>;
  /** When the names were last read, or 0 if never. */
  readAt: number;
  /** When a read last failed, or 0. */
  failedAt: number;
  reading?: Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export class DlpSensitiveTypeCache {
  private readonly tenants = new Map<string, TenantNames>();
  private readonly refreshMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(
    private readonly read: (tenantId: string) => Promise<DlpSensitiveType[]>,
    options: DlpSensitiveTypeCacheOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? DAY_MS;
    this.retryMs = options.retryMs ?? HOUR_MS;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  /** A lookup by GUID (any case) for the tenant, reading the names first when they are due. Never throws. */
  async lookupFor(tenantId: string): Promise<SensitiveTypeLookup> {
    const key = tenantId.toLowerCase();
    let entry = this.tenants.get(key);
    if (!entry) {
      entry = { names: new Map(), readAt: 0, failedAt: 0 };
      this.tenants.set(key, entry);
    }
    if (this.isDue(entry)) {
      entry.reading ??= this.refresh(key, entry).finally(() => {
        if (entry) entry.reading = undefined;
      });
      await entry.reading;
    }
    const names = entry.names;
    return (id) => names.get(id.toLowerCase());
  }

  private isDue(entry: TenantNames): boolean {
    const now = this.now();
    if (entry.failedAt > entry.readAt && now - entry.failedAt < this.retryMs) return false;
    return entry.readAt === 0 || now - entry.readAt >= this.refreshMs;
  }

  private async refresh(tenantId: string, entry: TenantNames): Promise<void> {
    try {
      const list = await this.read(tenantId);
      const names = new Map<string, string>();
      for (const { id, name } of list) names.set(id.toLowerCase(), name);
      entry.names = names;
      entry.readAt = this.now();
      this.logger.info('DLP sensitive information type names read', { tenantId, count: names.size });
    } catch (error) {
      entry.failedAt = this.now();
      this.logger.warn(
        'could not read the DLP sensitive information type names; GUIDs are kept as they are',
        {
          tenantId,
          knownNames: entry.names.size,
          retryInMinutes: Math.round(this.retryMs / 60_000),
          error: error instanceof Error ? error.message : String(error),
        },
      );
    }
  }
}
