/**
 * Which content blobs are finished, per tenant, so duplicate notifications, retried queue messages
 * and backfill re-listings write each blob's events once. A blob is finished when its events reached
 * the sink (`completed`) or when the API no longer has it (`lost`, e.g. AF20051 expired content):
 * neither is fetched again.
 *
 * Table layout: PartitionKey = tenantId, RowKey = sha256(contentId) hex.
 */
import { odata, TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { CONTENT_TYPES, ContentType } from '../contentTypes';
import { settleWithConcurrency } from '../storage/concurrency';
import { isNotFound, StorageOperationError } from '../storage/storageError';
import { tableCreator } from './ensureTable';
import { InvalidTableKeyError, legalKey, sha256Hex } from './tableKeys';

export type LedgerStatus = 'completed' | 'lost';

export interface LedgerEntry {
  tenantId: string;
  contentId: string;
  contentType: ContentType;
  status: LedgerStatus;
  contentCreated?: string;
  /** Records in the content blob as the API returned it. */
  recordCount?: number;
  /** Events written to the sink. */
  eventCount?: number;
  /** Records dropped because they repeated an Id already seen in the same blob. */
  duplicateRecords?: number;
  sinkPath?: string;
  /** ISO 8601 time the entry was written. */
  completedAt: string;
  /** Why a blob was recorded as lost (the API's error code and message). */
  reason?: string;
  attempts?: number;
}

export type CompletedEntry = Omit<LedgerEntry, 'status' | 'completedAt'>;

export interface LostEntry {
  tenantId: string;
  contentId: string;
  contentType: ContentType;
  reason: string;
  contentCreated?: string;
  attempts?: number;
}

export interface LedgerCounts {
  completed: number;
  lost: number;
}

const READ_CONCURRENCY = 16;

const entitySchema = z.object({
  partitionKey: z.string(),
  contentId: z.string().min(1),
  contentType: z.enum(CONTENT_TYPES),
  status: z.enum(['completed', 'lost']),
  contentCreated: z.string().optional(),
  recordCount: z.number().optional(),
  eventCount: z.number().optional(),
  duplicateRecords: z.number().optional(),
  sinkPath: z.string().optional(),
  completedAt: z.string(),
  reason: z.string().optional(),
  attempts: z.number().optional(),
});

type LedgerEntity = Omit<LedgerEntry, 'tenantId'> & { partitionKey: string; rowKey: string };

export class ContentLedger {
  readonly ensureExists: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureExists = tableCreator(table);
  }

  /**
   * The entry for a blob, or undefined when there is none. A row that no longer matches the schema
   * (edited by hand, older format) also reads as undefined: fetching a blob twice is harmless, the
   * sink overwrites; skipping one would lose its events.
   */
  async get(tenantId: string, contentId: string): Promise<LedgerEntry | undefined> {
    const keys = ledgerKeys(tenantId, contentId);
    let raw: unknown;
    try {
      raw = await this.table.getEntity(keys.partitionKey, keys.rowKey);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new StorageOperationError(`read ledger entry of ${contentId}`, error);
    }
    const parsed = entitySchema.safeParse(raw);
    if (!parsed.success || parsed.data.contentId !== contentId) return undefined;
    const { partitionKey, ...rest } = parsed.data;
    return dropUndefined({ tenantId: partitionKey, ...rest });
  }

  async isDone(tenantId: string, contentId: string): Promise<boolean> {
    return (await this.get(tenantId, contentId)) !== undefined;
  }

  /** The contentIds (first occurrence, input order) that are neither completed nor lost. */
  async filterNotDone(tenantId: string, contentIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(contentIds)];
    const results = await settleWithConcurrency(unique, READ_CONCURRENCY, (id) => this.isDone(tenantId, id));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
    return unique.filter((_, i) => {
      const r = results[i];
      return r.ok && !r.value;
    });
  }

  async markCompleted(entry: CompletedEntry): Promise<void> {
    await this.write({ ...entry, status: 'completed', completedAt: new Date().toISOString() });
  }

  /**
   * Records that a blob can no longer be fetched. A blob already completed stays completed: its
   * events were written, and a late expiry error (a redelivered message) must not hide that.
   */
  async markLost(entry: LostEntry): Promise<void> {
    const existing = await this.get(entry.tenantId, entry.contentId);
    if (existing?.status === 'completed') return;
    await this.write({ ...entry, status: 'lost', completedAt: new Date().toISOString() });
  }

  /** Counts by status, for one tenant or all (a scan that reads only the status column). */
  async counts(tenantId?: string): Promise<LedgerCounts> {
    const out: LedgerCounts = { completed: 0, lost: 0 };
    const filter = tenantId === undefined ? undefined : odata`PartitionKey eq ${tenantId}`;
    try {
      const pages = this.table.listEntities<{ status?: unknown }>({
        queryOptions: { filter, select: ['status'] },
      });
      for await (const entity of pages) {
        if (entity.status === 'completed') out.completed++;
        else if (entity.status === 'lost') out.lost++;
      }
    } catch (error) {
      throw new StorageOperationError('count ledger entries', error);
    }
    return out;
  }

  /**
   * Deletes entries finished before `cutoff`. Microsoft keeps content for 7 days, so a blob finished
   * more than that ago can no longer be notified or listed again; its entry only costs storage.
   * Returns how many were deleted.
   */
  async pruneFinishedBefore(cutoff: Date): Promise<number> {
    const filter = odata`completedAt lt ${cutoff.toISOString()}`;
    const keys: { partitionKey: string; rowKey: string }[] = [];
    try {
      const pages = this.table.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } });
      for await (const entity of pages) {
        if (entity.partitionKey !== undefined && entity.rowKey !== undefined) {
          keys.push({ partitionKey: entity.partitionKey, rowKey: entity.rowKey });
        }
      }
    } catch (error) {
      throw new StorageOperationError('list old ledger entries', error);
    }
    const results = await settleWithConcurrency(keys, READ_CONCURRENCY, (k) =>
      this.table.deleteEntity(k.partitionKey, k.rowKey).catch((error: unknown) => {
        // Deleted meanwhile by another instance: that is the outcome we wanted.
        if (!isNotFound(error)) throw error;
      }),
    );
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw new StorageOperationError('delete old ledger entries', failed.error);
    return keys.length;
  }

  private async write(entry: LedgerEntry): Promise<void> {
    const { tenantId, ...props } = entry;
    const entity: LedgerEntity = { ...ledgerKeys(tenantId, entry.contentId), ...props };
    try {
      await this.table.upsertEntity(dropUndefined(entity), 'Replace');
    } catch (error) {
      throw new StorageOperationError(`write ledger entry (${entry.status}) of ${entry.contentId}`, error);
    }
  }
}

export function ledgerKeys(tenantId: string, contentId: string): { partitionKey: string; rowKey: string } {
  legalKey('tenantId', tenantId);
  if (contentId === '') throw new InvalidTableKeyError('contentId', contentId);
  return { partitionKey: tenantId, rowKey: sha256Hex(contentId) };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
