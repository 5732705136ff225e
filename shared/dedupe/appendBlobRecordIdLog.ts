/**
 * The record-Id logs as append blobs in their own container: Append Block adds a block whole at the
 * end and answers its offset (x-ms-blob-append-offset), which is exactly the shared order the
 * de-duplication relies on; a ranged read returns only what a reader has not seen yet.
 */
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { isNotFound, StorageOperationError } from '../storage/storageError';
import type { RecordIdLog } from './recordDedupe';
import { containerCreator } from '../storage/containerCreator';

export class AppendBlobRecordIdLog implements RecordIdLog {
  private readonly container: ContainerClient;
  readonly ensureExists: () => Promise<void>;

  constructor(blobService: BlobServiceClient, containerName: string) {
    this.container = blobService.getContainerClient(containerName);
    this.ensureExists = containerCreator(this.container);
  }

  async append(name: string, block: Buffer): Promise<number> {
    const client = this.container.getAppendBlobClient(name);
    let response;
    try {
      response = await client.appendBlock(block, block.length);
    } catch (error) {
      if (!isNotFound(error)) throw new StorageOperationError(`append to record-Id log ${name}`, error);
      try {
        await client.createIfNotExists();
        response = await client.appendBlock(block, block.length);
      } catch (retryError) {
        throw new StorageOperationError(`append to record-Id log ${name}`, retryError);
      }
    }
    const offset = Number(response.blobAppendOffset);
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new StorageOperationError(
        `append to record-Id log ${name}`,
        new Error(`the service answered no usable append offset (${String(response.blobAppendOffset)})`),
      );
    }
    return offset;
  }

  async read(name: string, from: number, to: number): Promise<Buffer> {
    try {
      return await this.container.getAppendBlobClient(name).downloadToBuffer(from, to - from);
    } catch (error) {
      throw new StorageOperationError(`read record-Id log ${name}`, error);
    }
  }

  /** Deletes the logs not appended to since `cutoff`; returns how many. */
  async pruneNotModifiedSince(cutoff: Date): Promise<number> {
    let deleted = 0;
    try {
      for await (const blob of this.container.listBlobsFlat()) {
        const modified = blob.properties.lastModified;
        if (modified && modified < cutoff) {
          await this.container.deleteBlob(blob.name).catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
          });
          deleted++;
        }
      }
    } catch (error) {
      throw new StorageOperationError('prune record-Id logs', error);
    }
    return deleted;
  }
}
