/**
 * The on-storage format of the record-Id log: one append-only log per tenant × content type × hour
 * of the records' own time, each entry a block written by one content blob (its owner) with the
 * 64-bit hashes of the record Ids it is about to write. The service appends whole blocks in one
 * order that every reader sees, so "the first block that carries a hash" names one owner for that
 * record, without locks or retries. Pure: no I/O here.
 *
 * Block layout (little-endian): "RI", version 1, 0, owner (32 bytes: sha256 of the contentId, the
 * same key the ledger uses), count (uint32), then count × (hi uint32, lo uint32).
 */
import { createHash } from 'node:crypto';

export interface RecordHash {
  hi: number;
  lo: number;
}

const MAGIC_0 = 0x52; // R
const MAGIC_1 = 0x49; // I
const VERSION = 1;
const OWNER_BYTES = 32;
const HEADER_BYTES = 4 + OWNER_BYTES + 4;
const HASH_BYTES = 8;

export class RecordIdLogFormatError extends Error {
  override readonly name = 'RecordIdLogFormatError';
  constructor(
    readonly offset: number,
    reason: string,
  ) {
    super(`record-Id log unreadable at byte ${offset}: ${reason}`);
  }
}

/** The hash of a record Id; Ids are compared case-insensitively (GUIDs in either case). */
export function recordIdHash(id: string): RecordHash {
  const digest = createHash('sha256').update(id.toLowerCase(), 'utf8').digest();
  return { hi: digest.readUInt32LE(0), lo: digest.readUInt32LE(4) };
}

/** `owner` is a 64-character hex sha256. */
export function encodeBlock(owner: string, hashes: readonly RecordHash[]): Buffer {
  if (!/^[0-9a-f]{64}$/.test(owner))
    throw new RangeError('a record-Id log owner is a sha256 in lower-case hex');
  const block = Buffer.allocUnsafe(HEADER_BYTES + hashes.length * HASH_BYTES);
  block[0] = MAGIC_0;
  block[1] = MAGIC_1;
  block[2] = VERSION;
  block[3] = 0;
  block.write(owner, 4, OWNER_BYTES, 'hex');
  block.writeUInt32LE(hashes.length, 4 + OWNER_BYTES);
  let at = HEADER_BYTES;
  for (const h of hashes) {
    block.writeUInt32LE(h.hi, at);
    block.writeUInt32LE(h.lo, at + 4);
    at += HASH_BYTES;
  }
  return block;
}

/**
 * Calls `onHash` for every hash of every block in `bytes` (whole blocks, in log order), with the
 * block's owner. `base` is where `bytes` starts in the log, for error messages.
 */
export function decodeBlocks(
  bytes: Buffer,
  onHash: (owner: string, hi: number, lo: number) => void,
  base = 0,
): void {
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < HEADER_BYTES)
      throw new RecordIdLogFormatError(base + at, 'truncated block header');
    if (bytes[at] !== MAGIC_0 || bytes[at + 1] !== MAGIC_1 || bytes[at + 2] !== VERSION) {
      throw new RecordIdLogFormatError(base + at, 'not a version-1 block');
    }
    const owner = bytes.toString('hex', at + 4, at + 4 + OWNER_BYTES);
    const count = bytes.readUInt32LE(at + 4 + OWNER_BYTES);
    const end = at + HEADER_BYTES + count * HASH_BYTES;
    if (end > bytes.length)
      throw new RecordIdLogFormatError(base + at, `block of ${count} hashes is truncated`);
    for (let p = at + HEADER_BYTES; p < end; p += HASH_BYTES) {
      onHash(owner, bytes.readUInt32LE(p), bytes.readUInt32LE(p + 4));
    }
    at = end;
  }
}

/** `YYYY-MM-DDTHH` of an ISO 8601 UTC time, or undefined when the text is not one. */
export function hourOf(isoTime: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z$/.test(isoTime)
    ? isoTime.slice(0, 13)
    : undefined;
}
