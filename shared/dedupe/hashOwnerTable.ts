/**
 * A compact map from 64-bit record-Id hashes to the first blob that claimed each, for the record-Id
 * logs kept in memory: open addressing over typed arrays, about 24 bytes per hash at the highest
 * load, where a Map of strings would take several times that. First insert wins, which is the log's
 * rule: blocks are applied in log order.
 */
export class HashOwnerTable {
  private his: Uint32Array;
  private los: Uint32Array;
  /** Owner index + 1 per slot; 0 marks an empty slot. */
  private owners: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let slots = 16;
    while (slots < initialCapacity * 2) slots *= 2;
    this.his = new Uint32Array(slots);
    this.los = new Uint32Array(slots);
    this.owners = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The owner index holding the hash, or undefined. */
  get(hi: number, lo: number): number | undefined {
    for (let slot = lo & this.mask; ; slot = (slot + 1) & this.mask) {
      const o = this.owners[slot];
      if (o === 0) return undefined;
      if (this.los[slot] === lo && this.his[slot] === hi) return o - 1;
    }
  }

  /** Records `owner` for the hash unless one is recorded already; returns the owner that holds it. */
  claimFirst(hi: number, lo: number, owner: number): number {
    for (let slot = lo & this.mask; ; slot = (slot + 1) & this.mask) {
      const o = this.owners[slot];
      if (o === 0) {
        this.his[slot] = hi;
        this.los[slot] = lo;
        this.owners[slot] = owner + 1;
        this.count++;
        if (this.count * 2 > this.owners.length) this.grow();
        return owner;
      }
      if (this.los[slot] === lo && this.his[slot] === hi) return o - 1;
    }
  }

  private grow(): void {
    const { his, los, owners } = this;
    const slots = owners.length * 2;
    this.his = new Uint32Array(slots);
    this.los = new Uint32Array(slots);
    this.owners = new Uint32Array(slots);
    this.mask = slots - 1;
    this.count = 0;
    for (let i = 0; i < owners.length; i++) {
      if (owners[i] !== 0) this.claimFirst(his[i], los[i], owners[i] - 1);
    }
  }
}
