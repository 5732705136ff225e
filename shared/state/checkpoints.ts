/**
 * Where backfill stands, per tenant × content type: the end of the last content listing window whose
 * blobs were all enqueued. Kept in the state table, so it survives restarts and scale-out.
 * Also holds the times the health endpoint reports (last backfill run, last notification).
 *
 * Table layout: PartitionKey = "checkpoint", RowKey = "<tenantId>|<contentType>".
 */
import { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { CONTENT_TYPES, ContentType } from '../contentTypes';
import { isNotFound, isWriteConflict, StorageOperationError } from '../storage/storageError';
import { tableCreator } from './ensureTable';
import { legalKey } from './tableKeys';

export interface Checkpoint {
  tenantId: string;
  contentType: ContentType;
  /** ISO 8601: end of the last listing window whose blobs were all enqueued. */
  lastContentCreatedEnd: string;
  /** ISO 8601: last time the checkpoint row was written. */
  updatedAt: string;
  lastBackfillAt?: string;
  lastNotificationAt?: string;
}

/** What is known for a tenant × content type, possibly before any backfill advanced a checkpoint. */
export type CheckpointActivity = Omit<Checkpoint, 'lastContentCreatedEnd'> & {
  lastContentCreatedEnd?: string;
};

export class InvalidCheckpointTimeError extends Error {
  constructor(readonly field: string) {
    super(`${field} is not a valid date`);
    this.name = 'InvalidCheckpointTimeError';
  }
}

const PARTITION = 'checkpoint';
const MAX_CONFLICT_RETRIES = 10;

const rowSchema = z.object({
  tenantId: z.string(),
  contentType: z.enum(CONTENT_TYPES),
  lastContentCreatedEnd: z.string().optional(),
  updatedAt: z.string(),
  lastBackfillAt: z.string().optional(),
  lastNotificationAt: z.string().optional(),
  etag: z.string().optional(),
});
type Row = z.infer<typeof rowSchema>;

/** How often one instance writes the last-notification time of one tenant and content type. */
export const NOTIFICATION_WRITE_INTERVAL_MS = 60_000;

export class CheckpointStore {
  private readonly notificationWrittenAt = new Map<string, number>();
  readonly ensureExists: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureExists = tableCreator(table);
  }

  /** The checkpoint, or undefined when backfill never advanced one for this pair. */
  async get(tenantId: string, contentType: ContentType): Promise<Checkpoint | undefined> {
    const row = await this.read(tenantId, contentType);
    return row ? asCheckpoint(row) : undefined;
  }

  /**
   * Moves the checkpoint to `windowEnd`, never backwards: two overlapping timer runs (or a retry of
   * an older window) leave the later end in place. Uses ETags so concurrent writers do not overwrite
   * each other's progress.
   */
  async advance(tenantId: string, contentType: ContentType, windowEnd: Date): Promise<void> {
    const end = isoOf('windowEnd', windowEnd);
    for (let attempt = 0; ; attempt++) {
      const row = await this.read(tenantId, contentType);
      if (
        row?.lastContentCreatedEnd !== undefined &&
        Date.parse(row.lastContentCreatedEnd) >= windowEnd.getTime()
      ) {
        return;
      }
      const entity = {
        partitionKey: PARTITION,
        rowKey: rowKeyOf(tenantId, contentType),
        tenantId,
        contentType,
        lastContentCreatedEnd: end,
        updatedAt: new Date().toISOString(),
      };
      try {
        if (row?.etag === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, 'Merge', { etag: row.etag });
        return;
      } catch (error) {
        if (isWriteConflict(error) && attempt < MAX_CONFLICT_RETRIES) {
          // Someone else wrote first; a short random pause keeps racing writers from colliding again.
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
          continue;
        }
        throw new StorageOperationError(`advance checkpoint ${tenantId}/${contentType}`, error);
      }
    }
  }

  async recordBackfillRun(tenantId: string, contentType: ContentType, at: Date): Promise<void> {
    await this.mergeTime(tenantId, contentType, 'lastBackfillAt', at);
  }

  /**
   * Called for every content blob Microsoft notifies, so it writes at most once a minute per tenant
   * and content type from this instance: the health report needs the minute, not a table write per blob.
   */
  async recordNotification(tenantId: string, contentType: ContentType, at: Date): Promise<void> {
    const key = `${tenantId}|${contentType}`;
    const last = this.notificationWrittenAt.get(key);
    const ms = at.getTime();
    if (last !== undefined && ms >= last && ms - last < NOTIFICATION_WRITE_INTERVAL_MS) return;
    await this.mergeTime(tenantId, contentType, 'lastNotificationAt', at);
    this.notificationWrittenAt.set(key, ms);
  }

  /** Every checkpoint that backfill has advanced. */
  async list(): Promise<Checkpoint[]> {
    return (await this.rows()).map(asCheckpoint).filter((c): c is Checkpoint => c !== undefined);
  }

  /** Every tenant × content type seen, including those only notified so far (for the health report). */
  async listActivity(): Promise<CheckpointActivity[]> {
    return (await this.rows()).map(asActivity);
  }

  private async rows(): Promise<Row[]> {
    const out: Row[] = [];
    try {
      const pages = this.table.listEntities({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } });
      for await (const entity of pages) {
        const parsed = rowSchema.safeParse(entity);
        if (parsed.success) out.push(parsed.data);
      }
    } catch (error) {
      throw new StorageOperationError('list checkpoints', error);
    }
    return out;
  }

  private async read(tenantId: string, contentType: ContentType): Promise<Row | undefined> {
    let raw: unknown;
    try {
      raw = await this.table.getEntity(PARTITION, rowKeyOf(tenantId, contentType));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new StorageOperationError(`read checkpoint ${tenantId}/${contentType}`, error);
    }
    const parsed = rowSchema.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }

  private async mergeTime(
    tenantId: string,
    contentType: ContentType,
    field: 'lastBackfillAt' | 'lastNotificationAt',
    at: Date,
  ): Promise<void> {
    const iso = isoOf(field, at);
    try {
      await this.table.upsertEntity(
        {
          partitionKey: PARTITION,
          rowKey: rowKeyOf(tenantId, contentType),
          tenantId,
          contentType,
          updatedAt: new Date().toISOString(),
          [field]: iso,
        },
        'Merge',
      );
    } catch (error) {
      throw new StorageOperationError(`record ${field} for ${tenantId}/${contentType}`, error);
    }
  }
}

function rowKeyOf(tenantId: string, contentType: ContentType): string {
  return `${legalKey('tenantId', tenantId)}|${contentType}`;
}

function isoOf(field: string, at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new InvalidCheckpointTimeError(field);
  return at.toISOString();
}

function asCheckpoint(row: Row): Checkpoint | undefined {
  const activity = asActivity(row);
  const end = activity.lastContentCreatedEnd;
  return end === undefined ? undefined : { ...activity, lastContentCreatedEnd: end };
}

function asActivity({ etag: _etag, ...rest }: Row): CheckpointActivity {
  return dropUndefined(rest);
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
