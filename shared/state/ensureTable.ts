import { TableClient } from '@azure/data-tables';
import { retryableOnce } from '../retryableOnce';
import { StorageOperationError } from '../storage/storageError';

/** createTable, which the SDK already treats as success when the table exists. Retried on failure. */
export function tableCreator(table: TableClient): () => Promise<void> {
  return retryableOnce(() =>
    table.createTable().catch((error: unknown) => {
      throw new StorageOperationError(`create table ${table.tableName}`, error);
    }),
  );
}
