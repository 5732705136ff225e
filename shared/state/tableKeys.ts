/**
 * Table Storage keys forbid `/ \ # ?` and control characters and are limited to 1 KiB, while
 * contentIds are long opaque strings with `$` and other punctuation. Hashing gives a fixed-size key
 * that is always legal; the original value is kept as a property.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;

export class InvalidTableKeyError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(
      `${field} "${value}" cannot be a Table Storage key (empty, too long, or contains / \\ # ? or control characters)`,
    );
    this.name = 'InvalidTableKeyError';
  }
}

/** Returns the value if it is a legal PartitionKey/RowKey as is, else throws InvalidTableKeyError. */
export function legalKey(field: string, value: string): string {
  if (value === '' || value.length > 512 || FORBIDDEN_KEY_CHARS.test(value)) {
    throw new InvalidTableKeyError(field, value);
  }
  return value;
}

/** A reversible key for free-form names (percent-encoding removes every forbidden character). */
export function encodeKey(value: string): string {
  return encodeURIComponent(value);
}
