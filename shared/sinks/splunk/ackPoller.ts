/**
 * Indexer acknowledgement: each accepted request gets an ackId on our channel, and
 * `/services/collector/ack` says which ids are indexed. One poller per channel asks for all pending
 * ids together, every `pollMs`, so concurrent batches cost one poll between them; an id not
 * acknowledged within `timeoutMs` is reported false and its batch is sent again (at least once).
 */
import { SinkRequestError } from '../delivery/errors';

export type AckQuery = (ackIds: number[]) => Promise<Record<string, boolean>>;

interface Waiter {
  resolve: (acked: boolean) => void;
  reject: (error: Error) => void;
  deadline: number;
}

export class AckPoller {
  private readonly waiting = new Map<number, Waiter>();
  private loop?: Promise<void>;

  constructor(
    private readonly query: AckQuery,
    private readonly pollMs: number,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True once HEC acknowledges the id; false when the timeout passes first. */
  wait(ackId: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.set(ackId, { resolve, reject, deadline: this.now() + this.timeoutMs });
      this.loop ??= this.run().finally(() => {
        this.loop = undefined;
      });
    });
  }

  private async run(): Promise<void> {
    while (this.waiting.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      const ids = [...this.waiting.keys()];
      try {
        const acks = await this.query(ids);
        for (const id of ids) {
          if (acks[String(id)] === true) this.settle(id, true);
        }
      } catch (error) {
        // A refused token or a disabled acknowledgement will not get better by polling.
        if (
          error instanceof SinkRequestError &&
          (error.classification === 'auth' || error.classification === 'configuration')
        ) {
          for (const [id, w] of this.waiting) {
            this.waiting.delete(id);
            w.reject(error);
          }
          return;
        }
      }
      const now = this.now();
      for (const [id, w] of this.waiting) if (now >= w.deadline) this.settle(id, false);
    }
  }

  private settle(id: number, acked: boolean): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    w.resolve(acked);
  }
}
