/** Shared by the end-to-end tests: quick queue settings, and the sink read as a SIEM would read it. */
import { BlobServiceClient } from '@azure/storage-blob';
import type { HostJsonQueues } from '../../local/host';

/** host.json queue settings that retry within a second, so failures play out in test time. */
export function quickQueues(maxDequeueCount = 5): HostJsonQueues {
  return {
    batchSize: 16,
    maxDequeueCount,
    visibilityTimeout: '00:00:01',
    maxPollingInterval: '00:00:00.250',
    messageEncoding: 'base64',
  };
}

export interface SinkLine {
  blob: string;
  text: string;
}

export async function sinkLines(connectionString: string, container: string): Promise<SinkLine[]> {
  const client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  const lines: SinkLine[] = [];
  for await (const item of client.listBlobsFlat()) {
    const text = (await client.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
    for (const line of text.split('\n')) if (line !== '') lines.push({ blob: item.name, text: line });
  }
  return lines;
}

/** event.id of every line that is valid JSON; a line that is not throws, naming its blob. */
export function eventIdsOf(lines: SinkLine[]): string[] {
  return lines.map((l) => {
    try {
      return String((JSON.parse(l.text) as { event?: { id?: unknown } }).event?.id);
    } catch (error) {
      throw new Error(`a line of ${l.blob} is not JSON: ${(error as Error).message}`, { cause: error });
    }
  });
}

export function countsOf(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
