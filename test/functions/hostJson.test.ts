import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_DEQUEUE_COUNT } from '../../functions/catalog';

describe('host.json and the fetch function', () => {
  it('agree on maxDequeueCount, so the poison alert fires on the real last try', () => {
    const hostJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
      extensions?: { queues?: { maxDequeueCount?: number } };
    };
    expect(hostJson.extensions?.queues?.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
  });
});
