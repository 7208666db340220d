// id → row index for millions of ids in flat typed arrays (open addressing, linear probing): a lookup is a
// hash and usually one cache line, several times faster than a Map of the same size.
import { hashId } from '../id-encoder.js';

const EMPTY = -1;

export class IdIndex {
  private readonly keys: Float64Array;
  private readonly rows: Int32Array;
  private readonly mask: number;

  /** ids: (N) distinct non-negative integer ids; row i of the index is ids[i]. */
  constructor(ids: ArrayLike<number>) {
    let capacity = 16;
    while (capacity < ids.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keys = new Float64Array(capacity);
    this.rows = new Int32Array(capacity).fill(EMPTY);
    for (let i = 0; i < ids.length; i++) {
      let slot = hashId(ids[i], 0) & this.mask;
      while (this.rows[slot] !== EMPTY && this.keys[slot] !== ids[i]) slot = (slot + 1) & this.mask;
      this.keys[slot] = ids[i];
      this.rows[slot] = i;
    }
  }

  /** The row of `id`, or -1 when it is not indexed. */
  get(id: number): number {
    if (!(id >= 0 && Number.isInteger(id))) return EMPTY;
    let slot = hashId(id, 0) & this.mask;
    for (;;) {
      const row = this.rows[slot];
      if (row === EMPTY || this.keys[slot] === id) return row;
      slot = (slot + 1) & this.mask;
    }
  }
}
