import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_DEQUEUE_COUNT } from '../../functions/catalog';
import { MAINTENANCE_TIMER_BUDGET_MS } from '../../functions/maintenance';

describe('host.json and the fetch function', () => {
  it('agree on maxDequeueCount, so the poison alert fires on the real last try', () => {
    const hostJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
      extensions?: { queues?: { maxDequeueCount?: number } };
    };
    expect(hostJson.extensions?.queues?.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
  });
});

describe('host.json and the maintenance timer', () => {
  it('agree on the time a run may take, so the run plans to end before the host cuts it off', () => {
    const hostJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'host.json'), 'utf8')) as {
      functionTimeout?: string;
    };
    const [h, m, s] = (hostJson.functionTimeout ?? '').split(':').map(Number);
    expect(((h * 60 + m) * 60 + s) * 1000).toBe(MAINTENANCE_TIMER_BUDGET_MS);
  });
});
