import type { ContainerClient } from '@azure/storage-blob';
import { retryableOnce } from '../retryableOnce';
import { StorageOperationError } from './storageError';

/**
 * createIfNotExists once per process for a blob container, shared by concurrent callers and tried
 * again after a failure (the table twin is state/ensureTable.ts's tableCreator).
 */
export function containerCreator(container: ContainerClient): () => Promise<void> {
  return retryableOnce(() =>
    container.createIfNotExists().then(
      () => undefined,
      (error: unknown) => {
        throw new StorageOperationError(`create container ${container.containerName}`, error);
      },
    ),
  );
}
