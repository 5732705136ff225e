/**
 * Azurite, started from its own process. local/azurite.ts keeps reading Azurite's per-request
 * access log after start-up and rescans all of it on every chunk, which costs the calling process
 * CPU and memory in proportion to the requests made; a benchmark must not measure that.
 */
import { startAzurite, type AzuriteInstance } from '../../local/azurite';
import { serveRequests } from './childProcess';

let azurite: AzuriteInstance | undefined;

serveRequests(
  async (request) => {
    if (request.op !== 'start') throw new Error(`unknown request ${request.op}`);
    azurite = await startAzurite();
    return azurite.connectionString;
  },
  async () => {
    await azurite?.stop();
  },
);
