/**
 * Cross-blob record de-duplication. Microsoft repeats records across content blobs (same `Id`,
 * different blobs); a record already written for the tenant is not written again.
 *
 * Each content blob reserves its records' Id hashes by appending blocks to the log of their
 * tenant × content type × day (the records' own day: a repeat carries the same CreationTime, so one
 * log answers for it; a day rather than an hour because a blob's records often straddle an hour
 * but seldom a day, and each log touched costs a round trip), then reads the log up to its block.
 * A hash whose first block belongs to another blob is that blob's record; one whose first block is
 * this blob's own is written, which is what makes a retry of a half-written blob write all of its
 * records. The sink commits only after the reservations are confirmed (withoutRepeatedRecords), so
 * two blobs racing on one record cannot both write it.
 *
 * Logs are read incrementally and kept in memory per instance (bounded; least recently used first
 * out); the blocks this instance appended itself are applied from memory, so with one instance the
 * logs are never read back. The maintenance timer deletes logs untouched for 24 h, which is the
 * suppression window.
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
  /** `YYYY-MM-DD` (UTC) of the records' time. */
  day: string;
}

export interface RecordReserver {
  /**
   * Reserves `hashes` for the blob whose ledger key is `owner`; answers, per hash, true when
   * another blob reserved it first (the record must not be written again).
   */
  reserve(bucket: RecordBucket, owner: string, hashes: readonly RecordHash[]): Promise<boolean[]>;
  /** The blob that reserved the hash first, as far as this instance has read the log; no I/O. */
  knownOwner(bucket: RecordBucket, hash: RecordHash): string | undefined;
  /** True when the blob with this ledger key can never be written, so its reservations lapse. */
  isLost(tenantId: string, owner: string): Promise<boolean>;
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
  /** Blocks this instance appended and has not applied yet, by the offset they start at. */
  ownBlocks: Map<number, Buffer>;
  /** Reservations waiting for the log to be read up to their block's end. */
  waiters: { end: number; resolve(): void; reject(error: unknown): void }[];
  reading: boolean;
}

const DEFAULT_MAX_CACHED_HASHES = 2_000_000;
const DEFAULT_CACHE_IDLE_MS = 60 * 60 * 1000;

const logNames = new WeakMap<RecordBucket, string>();

/** The log's blob name; remembered per bucket object, since it is asked for once per record. */
export function recordLogName(bucket: RecordBucket): string {
  let name = logNames.get(bucket);
  if (name === undefined) {
    name = `${encodeURIComponent(bucket.tenantId)}/${encodeURIComponent(bucket.contentType)}/${bucket.day}.ids`;
    logNames.set(bucket, name);
  }
  return name;
}

export class RecordDedupe implements RecordReserver {
  private readonly cache = new Map<string, CachedLog>();
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
    const known = this.cached(name);
    if (at >= known.offset) known.ownBlocks.set(at, block);
    const taken = await this.takenByOthers(name, owner, hashes, at + block.length);
    return this.withoutLostOwners(bucket.tenantId, taken);
  }

  knownOwner(bucket: RecordBucket, hash: RecordHash): string | undefined {
    const log = this.cache.get(recordLogName(bucket));
    const first = log?.table.get(hash.hi, hash.lo);
    return first === undefined ? undefined : log!.owners[first];
  }

  isLost(tenantId: string, owner: string): Promise<boolean> {
    return this.options.isLost ? this.options.isLost(tenantId, owner) : Promise.resolve(false);
  }

  /** Per hash, the other owner that reserved it first, or undefined when it is this owner's. */
  private async takenByOthers(
    name: string,
    owner: string,
    hashes: readonly RecordHash[],
    end: number,
  ): Promise<(string | undefined)[]> {
    let log = await this.readUpTo(name, this.cached(name), end);
    // Our block is in the log before `end`; if the cache does not hold all of our hashes, or what
    // followed the cached part was not a block boundary, the log was replaced under the cache
    // (pruned and started again): read it afresh.
    if (!log || hashes.some((h) => log!.table.get(h.hi, h.lo) === undefined)) {
      const fresh = this.fresh();
      this.cache.set(name, fresh);
      log = await this.readUpTo(name, fresh, end);
      if (!log) {
        // Appends are whole, so this is a log damaged by hand. Holding every blob of the hour back
        // would lose more than a possible repeat costs.
        this.cache.delete(name);
        this.logger.error(
          'record-Id log is unreadable; records of this hour are written without de-duplication',
          {
            log: name,
          },
        );
        return hashes.map(() => undefined);
      }
    }
    const { table, owners } = log;
    return hashes.map((h) => {
      const first = table.get(h.hi, h.lo);
      const firstOwner = first === undefined ? owner : owners[first];
      return firstOwner === owner ? undefined : firstOwner;
    });
  }

  /**
   * Resolves once `log` holds every block before `end`; undefined when the bytes there are not
   * blocks. Reservations waiting on one log share its reads: while one read is out, later ones
   * gather, and the next read covers them all.
   */
  private async readUpTo(name: string, log: CachedLog, end: number): Promise<CachedLog | undefined> {
    if (end > log.offset) {
      const reached = new Promise<void>((resolve, reject) => log.waiters.push({ end, resolve, reject }));
      if (!log.reading) void this.drainWaiters(name, log);
      try {
        await reached;
      } catch (error) {
        if (error instanceof RecordIdLogFormatError) return undefined;
        throw error;
      }
    }
    return log;
  }

  private async drainWaiters(name: string, log: CachedLog): Promise<void> {
    log.reading = true;
    try {
      while (log.waiters.length > 0) {
        const target = Math.max(...log.waiters.map((w) => w.end));
        while (log.offset < target) {
          const own = log.ownBlocks.get(log.offset);
          if (own) {
            log.ownBlocks.delete(log.offset);
            this.apply(log, own);
            continue;
          }
          // Read only up to our next own block: what lies before it was appended by others.
          let until = target;
          for (const at of log.ownBlocks.keys()) if (at > log.offset && at < until) until = at;
          this.apply(log, await this.log.read(name, log.offset, until));
        }
        const reached = log.waiters.filter((w) => w.end <= log.offset);
        log.waiters = log.waiters.filter((w) => w.end > log.offset);
        for (const w of reached) w.resolve();
      }
      this.evictBeyondBudget(name);
    } catch (error) {
      for (const w of log.waiters.splice(0)) w.reject(error);
    } finally {
      log.reading = false;
    }
  }

  /** Applies whole blocks that start at `log.offset`, in log order. */
  private apply(log: CachedLog, bytes: Buffer): void {
    decodeBlocks(
      bytes,
      (owner, hi, lo) => log.table.claimFirst(hi, lo, this.ownerIndexOf(log, owner)),
      log.offset,
    );
    log.offset += bytes.length;
    // Own blocks a read has already covered (their append answered after the read began).
    for (const at of log.ownBlocks.keys()) if (at < log.offset) log.ownBlocks.delete(at);
  }

  private ownerIndexOf(log: CachedLog, owner: string): number {
    let index = log.ownerIndex.get(owner);
    if (index === undefined) {
      index = log.owners.length;
      log.owners.push(owner);
      log.ownerIndex.set(owner, index);
    }
    return index;
  }

  private async withoutLostOwners(tenantId: string, taken: (string | undefined)[]): Promise<boolean[]> {
    const others = [...new Set(taken.filter((o): o is string => o !== undefined))];
    const lost = new Set<string>();
    for (const o of others) if (await this.isLost(tenantId, o)) lost.add(o);
    return taken.map((o) => o !== undefined && !lost.has(o));
  }

  private fresh(): CachedLog {
    return {
      offset: 0,
      table: new HashOwnerTable(),
      owners: [],
      ownerIndex: new Map(),
      lastUsed: this.clock(),
      ownBlocks: new Map(),
      waiters: [],
      reading: false,
    };
  }

  private cached(name: string): CachedLog {
    const now = this.clock();
    let log = this.cache.get(name);
    if (log && now - log.lastUsed > this.cacheIdleMs && !log.reading) log = undefined;
    log ??= this.fresh();
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
      if (name === keep || log.reading) continue;
      this.cache.delete(name);
      total -= log.table.size;
    }
  }
}
