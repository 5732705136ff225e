/**
 * Which content blobs are finished, and which one worker is fetching right now, per tenant, so
 * duplicate notifications, retried queue messages, backfill re-listings and a second instance write
 * each blob's events once.
 *
 * A worker claims a blob before fetching it: an insert-only `inProgress` row naming the owner and a
 * lease. Only one insert can win; a live claim makes the others wait (they requeue, never drop), and
 * a claim whose lease ran out (its worker crashed) is taken over with an ETag-checked update, so two
 * takers cannot both win. Completion is ETag-checked against the claim too. A blob is finished when
 * its events reached the sink (`completed`) or when the API no longer has it (`lost`, e.g. AF20051
 * expired content): neither is fetched again.
 *
 * The row is updated with Merge, never replaced, so the per-sink completion map (`sinks`, for
 * destinations that finish separately) survives claims, takeovers and releases: a retry of the blob
 * delivers only to the sinks it does not name yet.
 *
 * Table layout: PartitionKey = tenantId, RowKey = sha256(contentId) hex.
 */
import { odata, TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { CONTENT_TYPES, ContentType } from '../contentTypes';
import { settleWithConcurrency } from '../storage/concurrency';
import { isNotFound, isWriteConflict, StorageOperationError } from '../storage/storageError';
import { tableCreator } from './ensureTable';
import { InvalidTableKeyError, legalKey, sha256Hex } from './tableKeys';

export type LedgerStatus = 'inProgress' | 'completed' | 'lost';

/** One sink's finished delivery of a blob (every event stored or dead-lettered). */
export interface SinkCompletion {
  /** ISO 8601 time the sink finished the blob. */
  at: string;
  events: number;
  /** Events the sink refused for good, now in its dead letter. */
  deadLettered?: number;
}

/** Per sink name, the sinks that finished the blob. */
export type SinkCompletions = Record<string, SinkCompletion>;

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
  /** Records not written because another blob of the tenant already carried them (same record Id). */
  suppressedRecords?: number;
  sinkPath?: string;
  /** The sinks that have the blob's events; a retry delivers only to the others. */
  sinks?: SinkCompletions;
  /** ISO 8601 time the blob was finished (completed or lost); absent while in progress. */
  completedAt?: string;
  /** Why a blob was recorded as lost (the API's error code and message). */
  reason?: string;
  /** Claims taken on the blob, the first one included. */
  attempts?: number;
  /** The worker holding (or last holding) the claim. */
  owner?: string;
  /** ISO 8601 end of the claim's lease; past it, another worker may take the blob over. */
  leaseUntil?: string;
  /** ISO 8601 time of the first claim. */
  claimedAt?: string;
  /** ISO 8601 time of the last change to the row. */
  updatedAt?: string;
}

export type CompletedEntry = Omit<LedgerEntry, 'status' | 'completedAt' | 'owner' | 'leaseUntil'>;

/** What is known of a blob when it is claimed. */
export type ClaimRequest = Pick<LedgerEntry, 'tenantId' | 'contentId' | 'contentType' | 'contentCreated'>;

/** Proof of a claim: later writes are conditional on its ETag. */
export interface LedgerClaim {
  tenantId: string;
  contentId: string;
  contentType: ContentType;
  owner: string;
  leaseUntil: Date;
  /** True when an expired claim of another worker was taken over. */
  takenOver: boolean;
  attempts: number;
  etag: string;
  /** The sinks that finished the blob in earlier tries (kept up to date by recordSinks). */
  sinks: SinkCompletions;
}

export type ClaimResult =
  | { outcome: 'claimed'; claim: LedgerClaim }
  | { outcome: 'done'; entry: LedgerEntry }
  | { outcome: 'busy'; owner?: string; leaseUntil: Date };

/**
 * What the blob's completion records; `sinks` are those that finished the blob in this try, merged
 * with those of earlier tries.
 */
export type CompletionStats = Pick<
  LedgerEntry,
  'recordCount' | 'eventCount' | 'duplicateRecords' | 'suppressedRecords' | 'sinkPath' | 'sinks'
>;

/**
 * `recorded`: the claim was still ours and the row now says finished. `alreadyFinished`: another
 * worker finished the blob first. `superseded`: our lease ran out and another worker holds the blob
 * now; it will find the sink's copy and finish the row.
 */
export type CompletionOutcome = 'recorded' | 'alreadyFinished' | 'superseded';

export interface LedgerCounts {
  completed: number;
  lost: number;
  inProgress: number;
}

/** Per content type, over the blobs finished in a period. */
export interface LedgerSummary {
  contentType: ContentType;
  completed: number;
  lost: number;
  suppressedRecords: number;
}

const READ_CONCURRENCY = 16;
/** Consecutive lost races (insert, then takeover) after which the blob is reported busy. */
const CLAIM_ROUNDS = 3;

const entitySchema = z.object({
  partitionKey: z.string(),
  contentId: z.string().min(1),
  contentType: z.enum(CONTENT_TYPES),
  status: z.enum(['inProgress', 'completed', 'lost']),
  contentCreated: z.string().optional(),
  recordCount: z.number().optional(),
  eventCount: z.number().optional(),
  duplicateRecords: z.number().optional(),
  suppressedRecords: z.number().optional(),
  sinkPath: z.string().optional(),
  sinks: z.string().optional(),
  completedAt: z.string().optional(),
  reason: z.string().optional(),
  attempts: z.number().optional(),
  owner: z.string().optional(),
  leaseUntil: z.string().optional(),
  claimedAt: z.string().optional(),
  updatedAt: z.string().optional(),
});

/** Table columns hold no maps: the per-sink completions are stored as JSON text. */
type LedgerEntity = Omit<LedgerEntry, 'tenantId' | 'sinks'> & {
  partitionKey: string;
  rowKey: string;
  sinks?: string;
};

const sinkCompletionsSchema = z.record(
  z.string(),
  z.object({ at: z.string(), events: z.number(), deadLettered: z.number().optional() }),
);

/**
 * The stored map, or none when it is missing or unreadable: delivering a blob to a sink again is
 * harmless (at least once), skipping a sink would lose its events.
 */
function parseSinkCompletions(text: string | undefined): SinkCompletions | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = sinkCompletionsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

interface StoredRow {
  /** Undefined when the row does not match the schema (edited by hand, older format). */
  entry?: LedgerEntry;
  etag: string;
}

export class ContentLedger {
  readonly ensureExists: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureExists = tableCreator(table);
  }

  /**
   * The entry for a blob, or undefined when there is none. A row that no longer matches the schema
   * also reads as undefined: fetching a blob twice is harmless (the sink keeps the first copy);
   * skipping one would lose its events.
   */
  async get(tenantId: string, contentId: string): Promise<LedgerEntry | undefined> {
    return (await this.readRow(ledgerKeys(tenantId, contentId), contentId))?.entry;
  }

  /** True when the blob is completed or lost; a blob in progress is not done. */
  async isDone(tenantId: string, contentId: string): Promise<boolean> {
    return isFinished((await this.get(tenantId, contentId))?.status);
  }

  /** The status of the blob whose ledger key (sha256 of its contentId) is `rowKey`. */
  async statusByKey(tenantId: string, rowKey: string): Promise<LedgerStatus | undefined> {
    const row = await this.readRow({ partitionKey: legalKey('tenantId', tenantId), rowKey });
    return row?.entry?.status;
  }

  /**
   * The contentIds (first occurrence, input order) worth enqueueing: neither finished nor claimed by
   * a worker whose lease is still running. A blob whose claim expired is included: its worker is gone.
   */
  async filterNotDone(
    tenantId: string,
    contentIds: readonly string[],
    now: Date = new Date(),
  ): Promise<string[]> {
    const unique = [...new Set(contentIds)];
    const results = await settleWithConcurrency(unique, READ_CONCURRENCY, (id) => this.get(tenantId, id));
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
    return unique.filter((_, i) => {
      const r = results[i];
      return r.ok && !isFinished(r.value?.status) && !(r.value && isLiveClaim(r.value, now));
    });
  }

  /**
   * Claims a blob for `owner` for `leaseMs`. Answers `done` when it is finished, `busy` while another
   * worker's lease runs, else the claim (a new row, or an expired claim taken over).
   */
  async claim(
    request: ClaimRequest,
    owner: string,
    leaseMs: number,
    now: Date = new Date(),
  ): Promise<ClaimResult> {
    const keys = ledgerKeys(request.tenantId, request.contentId);
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const at = now.toISOString();
    const claimOf = (etag: string, attempts: number, takenOver: boolean, sinks: SinkCompletions) => ({
      outcome: 'claimed' as const,
      claim: { ...request, owner, leaseUntil, takenOver, attempts, etag, sinks },
    });
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      try {
        const created = await this.table.createEntity(
          inProgressEntity(keys, request, owner, leaseUntil, at, 1, undefined),
        );
        return claimOf(etagOf(created), 1, false, {});
      } catch (error) {
        if (!isWriteConflict(error)) throw new StorageOperationError(`claim ${request.contentId}`, error);
      }
      const row = await this.readRow(keys, request.contentId);
      if (!row) continue; // pruned between our insert and our read: insert again
      const entry = row.entry;
      if (entry && isFinished(entry.status)) return { outcome: 'done', entry };
      if (entry && isLiveClaim(entry, now)) {
        return { outcome: 'busy', owner: entry.owner, leaseUntil: new Date(entry.leaseUntil!) };
      }
      // An expired claim, or a row we cannot read: take it over, conditional on what we just read.
      const attempts = (entry?.attempts ?? 0) + 1;
      try {
        const updated = await this.table.updateEntity(
          inProgressEntity(keys, request, owner, leaseUntil, at, attempts, entry),
          entry ? 'Merge' : 'Replace',
          { etag: row.etag },
        );
        return claimOf(etagOf(updated), attempts, true, { ...entry?.sinks });
      } catch (error) {
        if (!isWriteConflict(error) && !isNotFound(error)) {
          throw new StorageOperationError(`take over the claim on ${request.contentId}`, error);
        }
      }
    }
    // Another worker won every race: it is working on the blob now.
    return { outcome: 'busy', leaseUntil };
  }

  /** Records the claimed blob as completed, if the claim is still ours. */
  complete(claim: LedgerClaim, stats: CompletionStats, now: Date = new Date()): Promise<CompletionOutcome> {
    const { sinks, ...rest } = stats;
    return this.finish(
      claim,
      { status: 'completed', ...rest, sinks: sinks && JSON.stringify({ ...claim.sinks, ...sinks }) },
      now,
    );
  }

  /**
   * Records sinks that finished the blob while others still owe it, if the claim is still ours, so
   * the next try delivers only to the others. `superseded`/`alreadyFinished` mean another worker
   * holds or finished the blob: it re-delivers to whatever our record did not reach.
   */
  async recordSinks(
    claim: LedgerClaim,
    sinks: SinkCompletions,
    now: Date = new Date(),
  ): Promise<CompletionOutcome> {
    const keys = ledgerKeys(claim.tenantId, claim.contentId);
    const merged = { ...claim.sinks, ...sinks };
    try {
      const result = await this.table.updateEntity(
        { ...keys, sinks: JSON.stringify(merged), updatedAt: now.toISOString() },
        'Merge',
        { etag: claim.etag },
      );
      claim.etag = etagOf(result);
      claim.sinks = merged;
      return 'recorded';
    } catch (error) {
      if (!isWriteConflict(error) && !isNotFound(error)) {
        throw new StorageOperationError(`record the sinks that finished ${claim.contentId}`, error);
      }
    }
    const row = await this.readRow(keys, claim.contentId);
    return row?.entry && isFinished(row.entry.status) ? 'alreadyFinished' : 'superseded';
  }

  /** Records that the claimed blob can no longer be fetched (its events are lost). */
  completeLost(claim: LedgerClaim, reason: string, now: Date = new Date()): Promise<CompletionOutcome> {
    return this.finish(claim, { status: 'lost', reason }, now);
  }

  /**
   * Gives the claim up before its lease ends (the try failed or was put off), so the next try need
   * not wait for the lease. Best effort: a row changed meanwhile is left as it is.
   */
  async release(claim: LedgerClaim, now: Date = new Date()): Promise<void> {
    const keys = ledgerKeys(claim.tenantId, claim.contentId);
    try {
      await this.table.updateEntity(
        { ...keys, leaseUntil: now.toISOString(), updatedAt: now.toISOString() },
        'Merge',
        { etag: claim.etag },
      );
    } catch (error) {
      if (isWriteConflict(error) || isNotFound(error)) return;
      throw new StorageOperationError(`release the claim on ${claim.contentId}`, error);
    }
  }

  /**
   * Records a completed blob without a claim (operator tools, tests). It replaces whatever the row
   * held.
   */
  async markCompleted(entry: CompletedEntry, now: Date = new Date()): Promise<void> {
    const { tenantId, sinks, ...props } = entry;
    const at = now.toISOString();
    const entity: LedgerEntity = {
      ...ledgerKeys(tenantId, entry.contentId),
      ...props,
      sinks: sinks && JSON.stringify(sinks),
      status: 'completed',
      completedAt: at,
      updatedAt: at,
    };
    try {
      await this.table.upsertEntity(dropUndefined(entity), 'Replace');
    } catch (error) {
      throw new StorageOperationError(`write ledger entry (completed) of ${entry.contentId}`, error);
    }
  }

  /** Counts by status, for one tenant or all (a scan that reads only the status column). */
  async counts(tenantId?: string): Promise<LedgerCounts> {
    const out: LedgerCounts = { completed: 0, lost: 0, inProgress: 0 };
    const filter = tenantId === undefined ? undefined : odata`PartitionKey eq ${tenantId}`;
    try {
      const pages = this.table.listEntities<{ status?: unknown }>({
        queryOptions: { filter, select: ['status'] },
      });
      for await (const entity of pages) {
        if (entity.status === 'completed') out.completed++;
        else if (entity.status === 'lost') out.lost++;
        else if (entity.status === 'inProgress') out.inProgress++;
      }
    } catch (error) {
      throw new StorageOperationError('count ledger entries', error);
    }
    return out;
  }

  /** Per content type, the blobs of a tenant finished since `since` and the records they suppressed. */
  async summarize(tenantId: string, since: Date): Promise<LedgerSummary[]> {
    const byType = new Map<ContentType, LedgerSummary>();
    const filter = odata`PartitionKey eq ${tenantId} and completedAt ge ${since.toISOString()}`;
    try {
      const pages = this.table.listEntities<{
        status?: unknown;
        contentType?: unknown;
        suppressedRecords?: unknown;
      }>({
        queryOptions: { filter, select: ['status', 'contentType', 'suppressedRecords'] },
      });
      for await (const entity of pages) {
        const contentType = entity.contentType;
        if (typeof contentType !== 'string' || !(CONTENT_TYPES as readonly string[]).includes(contentType))
          continue;
        const s = byType.get(contentType as ContentType) ?? {
          contentType: contentType as ContentType,
          completed: 0,
          lost: 0,
          suppressedRecords: 0,
        };
        byType.set(s.contentType, s);
        if (entity.status === 'completed') s.completed++;
        else if (entity.status === 'lost') s.lost++;
        if (typeof entity.suppressedRecords === 'number') s.suppressedRecords += entity.suppressedRecords;
      }
    } catch (error) {
      throw new StorageOperationError('summarize ledger entries', error);
    }
    return [...byType.values()];
  }

  /**
   * Deletes entries finished before `cutoff`, and claims abandoned that long ago. Microsoft keeps
   * content for 7 days, so a blob finished more than that ago can no longer be notified or listed
   * again; its entry only costs storage. Returns how many were deleted.
   */
  async pruneFinishedBefore(cutoff: Date): Promise<number> {
    const at = cutoff.toISOString();
    const filter = odata`completedAt lt ${at} or (status eq ${'inProgress'} and updatedAt lt ${at})`;
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

  private async finish(
    claim: LedgerClaim,
    fields: Partial<LedgerEntity> & { status: 'completed' | 'lost' },
    now: Date,
  ): Promise<CompletionOutcome> {
    const keys = ledgerKeys(claim.tenantId, claim.contentId);
    const at = now.toISOString();
    const entity = dropUndefined<LedgerEntity>({
      ...keys,
      contentId: claim.contentId,
      contentType: claim.contentType,
      ...fields,
      completedAt: at,
      updatedAt: at,
      leaseUntil: at,
    });
    try {
      const result = await this.table.updateEntity(entity, 'Merge', { etag: claim.etag });
      claim.etag = etagOf(result);
      return 'recorded';
    } catch (error) {
      if (!isWriteConflict(error) && !isNotFound(error)) {
        throw new StorageOperationError(`write ledger entry (${fields.status}) of ${claim.contentId}`, error);
      }
    }
    const row = await this.readRow(keys, claim.contentId);
    if (row?.entry && isFinished(row.entry.status)) return 'alreadyFinished';
    if (row) return 'superseded';
    // The row vanished (pruned by hand?): the blob is finished all the same, so say so.
    try {
      await this.table.createEntity(entity);
      return 'recorded';
    } catch (error) {
      if (isWriteConflict(error)) return 'superseded';
      throw new StorageOperationError(`write ledger entry (${fields.status}) of ${claim.contentId}`, error);
    }
  }

  private async readRow(
    keys: { partitionKey: string; rowKey: string },
    contentId?: string,
  ): Promise<StoredRow | undefined> {
    let raw: Record<string, unknown> & { etag?: string };
    try {
      raw = await this.table.getEntity(keys.partitionKey, keys.rowKey);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new StorageOperationError(`read ledger entry of ${contentId ?? keys.rowKey}`, error);
    }
    const etag = typeof raw.etag === 'string' ? raw.etag : '*';
    const parsed = entitySchema.safeParse(raw);
    if (!parsed.success || (contentId !== undefined && parsed.data.contentId !== contentId)) return { etag };
    const { partitionKey, sinks, ...rest } = parsed.data;
    return {
      etag,
      entry: dropUndefined({ tenantId: partitionKey, ...rest, sinks: parseSinkCompletions(sinks) }),
    };
  }
}

function isFinished(status: LedgerStatus | undefined): boolean {
  return status === 'completed' || status === 'lost';
}

function isLiveClaim(entry: LedgerEntry, now: Date): boolean {
  if (entry.status !== 'inProgress' || entry.leaseUntil === undefined) return false;
  const until = Date.parse(entry.leaseUntil);
  return Number.isFinite(until) && until > now.getTime();
}

function etagOf(response: { etag?: string }): string {
  // Every successful write answers with an ETag; '*' would make the next write unconditional.
  if (!response.etag)
    throw new StorageOperationError('read the ETag of a ledger write', new Error('no ETag'));
  return response.etag;
}

export function ledgerKeys(tenantId: string, contentId: string): { partitionKey: string; rowKey: string } {
  legalKey('tenantId', tenantId);
  if (contentId === '') throw new InvalidTableKeyError('contentId', contentId);
  return { partitionKey: tenantId, rowKey: sha256Hex(contentId) };
}

/**
 * The row of a claim: a new one, or one taking over `earlier` (an expired claim, or undefined for a
 * row that could not be read), which keeps its first claim time.
 */
function inProgressEntity(
  keys: { partitionKey: string; rowKey: string },
  request: ClaimRequest,
  owner: string,
  leaseUntil: Date,
  at: string,
  attempts: number,
  earlier: LedgerEntry | undefined,
): LedgerEntity {
  return dropUndefined<LedgerEntity>({
    ...keys,
    contentId: request.contentId,
    contentType: request.contentType,
    contentCreated: request.contentCreated ?? earlier?.contentCreated,
    status: 'inProgress',
    owner,
    leaseUntil: leaseUntil.toISOString(),
    claimedAt: earlier?.claimedAt ?? at,
    updatedAt: at,
    attempts,
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
