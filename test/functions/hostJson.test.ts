import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLAIM_LEASE_SECONDS, FUNCTION_TIMEOUT_SECONDS, MAX_DEQUEUE_COUNT } from '../../functions/catalog';
import { parseTimeSpanMs } from '../../local/host/hostJson';

const hostJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
  functionTimeout?: string;
  extensions?: { queues?: { maxDequeueCount?: number } };
};

describe('host.json and the fetch function', () => {
  it('agree on maxDequeueCount, so the poison alert fires on the real last try', () => {
    expect(hostJson.extensions?.queues?.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
  });

  it('agree on the function timeout, and a blob claim outlives the longest invocation', () => {
    const timeoutSeconds = parseTimeSpanMs(hostJson.functionTimeout ?? '') / 1000;
    expect(FUNCTION_TIMEOUT_SECONDS).toBe(timeoutSeconds);
    expect(CLAIM_LEASE_SECONDS).toBeGreaterThanOrEqual(timeoutSeconds);
  });
});
