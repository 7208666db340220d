// id → row for millions of ids in flat typed arrays (open addressing, linear probing): a lookup is a hash and
// usually one cache line, several times faster than a Map of the same size. Rows are 0, 1, 2, … in the order
// ids were added; the table doubles when half full.
import { compileIdEncoder, fitIdEncoder, hashId } from '../id-encoder.js';

const EMPTY = -1;

export class IdIndex {
  private keys = new Float64Array(16);
  private rows = new Int32Array(16).fill(EMPTY);
  private mask = 15;
  size = 0;

  /** ids: distinct non-negative integer ids; row i is ids[i]. */
  constructor(ids: ArrayLike<number> = []) {
    for (let i = 0; i < ids.length; i++) this.add(ids[i]);
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

  /** Adds `id` (a non-negative integer) and returns its row; an id already present keeps its row. */
  add(id: number): number {
    if ((this.size + 1) * 2 > this.rows.length) this.grow();
    let slot = hashId(id, 0) & this.mask;
    while (this.rows[slot] !== EMPTY) {
      if (this.keys[slot] === id) return this.rows[slot];
      slot = (slot + 1) & this.mask;
    }
    this.keys[slot] = id;
    this.rows[slot] = this.size;
    return this.size++;
  }

  private grow(): void {
    const keys = this.keys;
    const rows = this.rows;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Int32Array(rows.length * 2).fill(EMPTY);
    this.mask = this.rows.length - 1;
    for (let s = 0; s < rows.length; s++) {
      if (rows[s] === EMPTY) continue;
      let slot = hashId(keys[s], 0) & this.mask;
      while (this.rows[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.keys[slot] = keys[s];
      this.rows[slot] = rows[s];
    }
  }
}

/**
 * The fastest id → row function for a catalogue: ids that form few runs of consecutive values (ids 1..N is one
 * run) map arithmetically, with no table to miss in the cache; scattered ids go through an IdIndex. Rows follow
 * the order of `ids`; unknown ids give -1.
 */
export function idLookup(ids: ArrayLike<number>): (id: number) => number {
  const { spec } = fitIdEncoder(Float64Array.from(ids), new Float64Array(ids.length), { maxRows: Infinity, hashShare: 0, salt: 0 });
  if (spec.kind === 'dense' && spec.rows === ids.length && spec.runStarts.length <= Math.max(16, ids.length / 64)) {
    const sortedRow = compileIdEncoder(spec); // row among the sorted ids
    const rowOf = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) rowOf[sortedRow(ids[i])] = i;
    const oov = spec.oovIndex;
    return (id) => {
      const r = sortedRow(id);
      return r === oov ? -1 : rowOf[r];
    };
  }
  const index = new IdIndex(ids);
  return (id) => index.get(id);
}
