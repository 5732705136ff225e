/**
 * Cross-blob record de-duplication. Microsoft repeats records across content blobs (same `Id`,
 * different blobs); a record already written for the tenant is not written again.
 *
 * Each content blob reserves its records' Id hashes by appending one block to the log of their
 * tenant × content type × hour (the records' own hour: a repeat carries the same CreationTime, so
 * one log answers for it), then reads the log up to its block. A hash whose first block belongs to
 * another blob is suppressed; one whose first block is this blob's own is written, which is what makes
 * a retry of a half-written blob write all of its records. The reservation comes before the sink
 * write, so two blobs racing on one record cannot both write it.
 *
 * Logs are read incrementally and kept in memory per instance (bounded; least recently used first
 * out); the maintenance timer deletes logs untouched for 24 h, which is the suppression window.
 *
 * A reservation is honoured even if its blob has not finished writing yet (its worker is busy with
 * it, or will retry it). Only a blob the ledger records as `lost` gives its records up. A blob whose
 * message ends in the poison queue keeps its reservations until it is replayed; the poison alert
 * says so.
 */
import type { ContentType } from '../contentTypes';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { storageErrorDetails } from '../storage/storageError';
import { HashOwnerTable } from './hashOwnerTable';
import { decodeBlocks, encodeBlock, RecordHash, RecordIdLogFormatError } from './recordIdLog';

/** An append-only log of blocks per name, in one order every reader sees. */
export interface RecordIdLog {
  /** Appends the block whole and answers the offset it starts at. */
  append(name: string, block: Buffer): Promise<number>;
  /** Bytes [from, to) of the log. */
  read(name: string, from: number, to: number): Promise<Buffer>;
}

export interface RecordBucket {
  tenantId: string;
  contentType: ContentType;
  /** `YYYY-MM-DDTHH` (UTC) of the records' time. */
  hour: string;
}

export interface RecordReserver {
  /**
   * Reserves `hashes` for the blob whose ledger key is `owner`; answers, per hash, true when
   * another blob reserved it first (the record must not be written again).
   */
  reserve(bucket: RecordBucket, owner: string, hashes: readonly RecordHash[]): Promise<boolean[]>;
}

export interface RecordDedupeOptions {
  /** True when the ledger says the blob with this key can never be written (lost). */
  isLost?(tenantId: string, owner: string): Promise<boolean>;
  /** Hashes kept in memory across all logs before the least recently used logs are dropped. */
  maxCachedHashes?: number;
  /** A log not used for this long is read again from the start (it may have been pruned). */
  cacheIdleMs?: number;
  clock?: () => number;
  logger?: Logger;
}

interface CachedLog {
  /** Every block before this offset is applied to `table`. */
  offset: number;
  table: HashOwnerTable;
  owners: string[];
  ownerIndex: Map<string, number>;
  lastUsed: number;
}

const DEFAULT_MAX_CACHED_HASHES = 2_000_000;
const DEFAULT_CACHE_IDLE_MS = 60 * 60 * 1000;

export function recordLogName(bucket: RecordBucket): string {
  return `${encodeURIComponent(bucket.tenantId)}/${encodeURIComponent(bucket.contentType)}/${bucket.hour}.ids`;
}

export class RecordDedupe implements RecordReserver {
  private readonly cache = new Map<string, CachedLog>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly maxCachedHashes: number;
  private readonly cacheIdleMs: number;
  private readonly clock: () => number;
  private readonly logger: Logger;

  constructor(
    private readonly log: RecordIdLog,
    private readonly options: RecordDedupeOptions = {},
  ) {
    this.maxCachedHashes = options.maxCachedHashes ?? DEFAULT_MAX_CACHED_HASHES;
    this.cacheIdleMs = options.cacheIdleMs ?? DEFAULT_CACHE_IDLE_MS;
    this.clock = options.clock ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  async reserve(bucket: RecordBucket, owner: string, hashes: readonly RecordHash[]): Promise<boolean[]> {
    if (hashes.length === 0) return [];
    const name = recordLogName(bucket);
    const block = encodeBlock(owner, hashes);
    let at: number;
    try {
      at = await this.log.append(name, block);
    } catch (error) {
      // An append blob takes 50,000 blocks; a log that full will not take more this hour. Writing a
      // possible repeat beats holding the blob back: downstream still has event.id to de-duplicate on.
      if (storageErrorDetails(error).code === 'BlockCountExceedsLimit') {
        this.logger.warn('record-Id log is full; records of this hour are written without de-duplication', {
          log: name,
        });
        return hashes.map(() => false);
      }
      throw error;
    }
    const taken = await this.serialized(name, () =>
      this.takenByOthers(name, owner, hashes, at + block.length),
    );
    return this.withoutLostOwners(bucket.tenantId, taken);
  }

  /** Per hash, the other owner that reserved it first, or undefined when it is this owner's. */
  private async takenByOthers(
    name: string,
    owner: string,
    hashes: readonly RecordHash[],
    end: number,
  ): Promise<(string | undefined)[]> {
    let log: CachedLog | undefined = this.cached(name);
    try {
      await this.catchUp(name, log, end);
    } catch (error) {
      if (!(error instanceof RecordIdLogFormatError)) throw error;
      log = undefined;
    }
    // Our block is in the log before `end`; if the cache does not hold all of our hashes, or what
    // followed the cached part was not a block boundary, the log was replaced under the cache
    // (pruned and started again): read it afresh.
    if (!log || hashes.some((h) => log!.table.get(h.hi, h.lo) === undefined)) {
      this.cache.delete(name);
      log = this.cached(name);
      try {
        await this.catchUp(name, log, end);
      } catch (error) {
        if (!(error instanceof RecordIdLogFormatError)) throw error;
        // Appends are whole, so this is a log damaged by hand. Holding every blob of the hour back
        // would lose more than a possible repeat costs.
        this.cache.delete(name);
        this.logger.error(
          'record-Id log is unreadable; records of this hour are written without de-duplication',
          {
            log: name,
            reason: error.message,
          },
        );
        return hashes.map(() => undefined);
      }
    }
    const table = log;
    return hashes.map((h) => {
      const first = table.table.get(h.hi, h.lo);
      const firstOwner = first === undefined ? owner : table.owners[first];
      return firstOwner === owner ? undefined : firstOwner;
    });
  }

  private async catchUp(name: string, log: CachedLog, end: number): Promise<void> {
    if (end <= log.offset) return;
    const bytes = await this.log.read(name, log.offset, end);
    decodeBlocks(
      bytes,
      (owner, hi, lo) => {
        let index = log.ownerIndex.get(owner);
        if (index === undefined) {
          index = log.owners.length;
          log.owners.push(owner);
          log.ownerIndex.set(owner, index);
        }
        log.table.claimFirst(hi, lo, index);
      },
      log.offset,
    );
    log.offset = end;
    this.evictBeyondBudget(name);
  }

  private async withoutLostOwners(tenantId: string, taken: (string | undefined)[]): Promise<boolean[]> {
    const others = [...new Set(taken.filter((o): o is string => o !== undefined))];
    const lost = new Set<string>();
    if (this.options.isLost) {
      for (const o of others) if (await this.options.isLost(tenantId, o)) lost.add(o);
    }
    return taken.map((o) => o !== undefined && !lost.has(o));
  }

  private cached(name: string): CachedLog {
    const now = this.clock();
    let log = this.cache.get(name);
    if (log && now - log.lastUsed > this.cacheIdleMs) log = undefined;
    if (!log)
      log = { offset: 0, table: new HashOwnerTable(), owners: [], ownerIndex: new Map(), lastUsed: now };
    log.lastUsed = now;
    // Re-inserted so the Map's order is least recently used first.
    this.cache.delete(name);
    this.cache.set(name, log);
    return log;
  }

  private evictBeyondBudget(keep: string): void {
    let total = 0;
    for (const log of this.cache.values()) total += log.table.size;
    for (const [name, log] of this.cache) {
      if (total <= this.maxCachedHashes) break;
      if (name === keep) continue;
      this.cache.delete(name);
      total -= log.table.size;
    }
  }

  /** Runs `task` after every earlier task on the same log: the cache is read and advanced in order. */
  private serialized<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(name) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(name, settled);
    void settled.then(() => {
      if (this.queues.get(name) === settled) this.queues.delete(name);
    });
    return run;
  }
}
