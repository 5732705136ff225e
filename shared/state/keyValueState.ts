/**
 * Small typed values in the state table: "alert already sent for this threshold", "last subscription
 * start", and the like. Values are stored as JSON and validated with a zod schema on the way out.
 *
 * A stored value that is not JSON or does not match the schema reads as `undefined` (and is logged
 * with the reason) instead of throwing: every caller treats "unknown" as "not done yet", which at
 * worst repeats an alert, while a throw would stop the timer run that keeps subscriptions alive.
 *
 * Table layout: PartitionKey = "kv:" + encoded scope, RowKey = encoded key (percent-encoding, so
 * any scope or key is legal and never collides with checkpoint rows).
 */
import { TableClient } from '@azure/data-tables';
import type { z } from 'zod';
import { Logger, silentLogger } from '../log';
import { isNotFound, StorageOperationError } from '../storage/storageError';
import { tableCreator } from './ensureTable';
import { encodeKey } from './tableKeys';

/** Table properties hold at most 64 KiB; a JS string of this length in UTF-16 stays under it. */
const MAX_VALUE_CHARS = 32 * 1024;

export class StateValueError extends Error {
  constructor(
    readonly scope: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`state ${scope}/${key}: ${reason}`);
    this.name = 'StateValueError';
  }
}

interface StateEntity {
  partitionKey: string;
  rowKey: string;
  scope: string;
  key: string;
  value: string;
  updatedAt: string;
}

export class StateStore {
  readonly ensureExists: () => Promise<void>;

  constructor(
    private readonly table: TableClient,
    private readonly log: Logger = silentLogger,
  ) {
    this.ensureExists = tableCreator(table);
  }

  async get<T>(scope: string, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    let entity: { value?: unknown };
    try {
      entity = await this.table.getEntity<{ value?: unknown }>(partitionOf(scope), encodeKey(key));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new StorageOperationError(`read state ${scope}/${key}`, error);
    }
    if (typeof entity.value !== 'string') {
      this.log.warn('state value ignored: not a string', { scope, key });
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(entity.value);
    } catch {
      this.log.warn('state value ignored: not JSON', { scope, key });
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.log.warn('state value ignored: does not match its schema', {
        scope,
        key,
        issues: parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`),
      });
      return undefined;
    }
    return parsed.data;
  }

  /** Replaces the value. Throws StateValueError for values JSON cannot carry or the table cannot hold. */
  async set<T>(scope: string, key: string, value: T): Promise<void> {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new StateValueError(scope, key, `not serializable (${(error as Error).message})`);
    }
    if (text === undefined) throw new StateValueError(scope, key, 'not serializable (undefined)');
    if (text.length > MAX_VALUE_CHARS) {
      throw new StateValueError(
        scope,
        key,
        `too large (${text.length} characters, at most ${MAX_VALUE_CHARS})`,
      );
    }
    const entity: StateEntity = {
      partitionKey: partitionOf(scope),
      rowKey: encodeKey(key),
      scope,
      key,
      value: text,
      updatedAt: new Date().toISOString(),
    };
    try {
      await this.table.upsertEntity(entity, 'Replace');
    } catch (error) {
      throw new StorageOperationError(`write state ${scope}/${key}`, error);
    }
  }

  /** Removes the value; removing one that does not exist is not an error. */
  async delete(scope: string, key: string): Promise<void> {
    try {
      await this.table.deleteEntity(partitionOf(scope), encodeKey(key));
    } catch (error) {
      if (isNotFound(error)) return;
      throw new StorageOperationError(`delete state ${scope}/${key}`, error);
    }
  }
}

function partitionOf(scope: string): string {
  return `kv:${encodeKey(scope)}`;
}
