/**
 * The on-storage format of the record-Id log: one append-only log per tenant × content type × day
 * of the records' own time, each entry a block written by one content blob (its owner) with the
 * 64-bit hashes of the record Ids it is about to write. The service appends whole blocks in one
 * order that every reader sees, so "the first block that carries a hash" names one owner for that
 * record, without locks or retries. Pure: no I/O here.
 *
 * Block layout (little-endian): "RI", version 1, 0, owner (32 bytes: sha256 of the contentId, the
 * same key the ledger uses), count (uint32), then count × (hi uint32, lo uint32).
 */
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

/**
 * The 64-bit hash of a record Id, compared case-insensitively (GUIDs come in either case): two
 * independently seeded 32-bit multiply-xorshift lanes over the UTF-16 code units. Record Ids are
 * Microsoft's, not an adversary's, so a fast non-cryptographic hash will do; sha256 per record cost
 * a measurable share of the pipeline. Two different Ids in one log collide with a chance of about
 * n²/2⁶⁵ (n = records of that tenant, content type and hour).
 */
export function recordIdHash(id: string): RecordHash {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    let c = id.charCodeAt(i);
    // ASCII upper case to lower case; Ids are GUIDs, so nothing else needs folding.
    if (c >= 65 && c <= 90) c += 32;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return { hi: h2 >>> 0, lo: h1 >>> 0 };
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

/**
 * `YYYY-MM-DD` of an ISO 8601 UTC time (`YYYY-MM-DDTHH:MM…Z`), or undefined when the text is not
 * one. Checked by position rather than by a regular expression: it runs once per record.
 */
export function dayOf(isoTime: string): string | undefined {
  if (isoTime.length < 17 || isoTime.charCodeAt(isoTime.length - 1) !== 90 /* Z */) return undefined;
  if (isoTime[4] !== '-' || isoTime[7] !== '-' || isoTime[10] !== 'T' || isoTime[13] !== ':')
    return undefined;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12]) {
    const c = isoTime.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return isoTime.slice(0, 10);
}
