import { TableClient } from '@azure/data-tables';
import { StorageOperationError } from '../storage/storageError';

/** createTable, which the SDK already treats as success when the table exists. Retried on failure. */
export function tableCreator(table: TableClient): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    if (!ready) {
      ready = table.createTable().catch((error: unknown) => {
        ready = undefined;
        throw new StorageOperationError(`create table ${table.tableName}`, error);
      });
    }
    return ready;
  };
}
