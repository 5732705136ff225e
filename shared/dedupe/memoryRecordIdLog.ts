/** An in-memory RecordIdLog with the append blob's ordering, for tests and benchmarks. */
import type { RecordIdLog } from './recordDedupe';

export class MemoryRecordIdLog implements RecordIdLog {
  readonly logs = new Map<string, Buffer>();
  appends = 0;
  reads = 0;

  async append(name: string, block: Buffer): Promise<number> {
    const before = this.logs.get(name) ?? Buffer.alloc(0);
    this.logs.set(name, Buffer.concat([before, block]));
    this.appends++;
    return before.length;
  }

  async read(name: string, from: number, to: number): Promise<Buffer> {
    this.reads++;
    return (this.logs.get(name) ?? Buffer.alloc(0)).subarray(from, to);
  }
}
