// Sums a bag's per-sample embedding gradients into one gradient per touched row of a table. Duplicates are
// found with a generation-stamped array over the table's rows (no Map, no clearing between steps), and the
// touched rows are kept in first-seen order.
// Legend: S samples, F fields, D dim, U unique touched rows.
import type { EmbeddingTable } from './table.js';

export class RowGradients {
  private readonly stamp: Int32Array; // (R) generation that last touched the row
  private readonly slot: Int32Array; // (R) position of the row in `rows` for that generation
  private generation = 0;
  /** touched row ids, first `count` valid (U) */
  readonly rows: Int32Array;
  /** summed gradients of the touched rows (U,D) */
  readonly sums: Float32Array;
  count = 0;

  constructor(
    readonly table: EmbeddingTable,
    maxSamples: number,
  ) {
    this.stamp = new Int32Array(table.rows);
    this.slot = new Int32Array(table.rows);
    const maxRows = Math.min(maxSamples, table.rows);
    this.rows = new Int32Array(maxRows);
    this.sums = new Float32Array(maxRows * table.dim);
  }

  /** Sum field `field` of grad (S,F·D) by the ids (S,F) of that field. */
  collect(ids: Int32Array, grad: Float32Array, samples: number, fields: number, field: number): void {
    const dim = this.table.dim;
    const { stamp, slot, rows, sums } = this;
    const generation = ++this.generation;
    let count = 0;
    for (let s = 0; s < samples; s++) {
      const id = ids[s * fields + field];
      const src = (s * fields + field) * dim;
      if (stamp[id] !== generation) {
        stamp[id] = generation;
        slot[id] = count;
        rows[count] = id;
        const dst = count * dim;
        for (let d = 0; d < dim; d++) sums[dst + d] = grad[src + d];
        count++;
      } else {
        const dst = slot[id] * dim;
        for (let d = 0; d < dim; d++) sums[dst + d] += grad[src + d];
      }
    }
    this.count = count;
  }
}
