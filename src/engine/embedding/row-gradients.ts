// Sums the per-row embedding gradients of a step into one gradient per touched row of a table (or of a bag's
// arena). Duplicates are found with a generation-stamped array over the rows (no Map, no clearing between
// steps), and the touched rows are kept in first-seen order.
// Legend: S gathered rows (samples × fields), D dim, U unique touched rows.
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
    maxGathered: number,
  ) {
    // filled to commit the pages up front rather than by page faults during the first epoch
    this.stamp = new Int32Array(table.rows).fill(0);
    this.slot = new Int32Array(table.rows).fill(0);
    const maxRows = Math.min(maxGathered, table.rows);
    this.rows = new Int32Array(maxRows);
    this.sums = new Float32Array(maxRows * table.dim);
  }

  /** Sum grad (S,D) by row ids (S). */
  collect(ids: Int32Array, grad: Float32Array, gathered: number): void {
    const dim = this.table.dim;
    const { stamp, slot, rows, sums } = this;
    const generation = ++this.generation;
    let count = 0;
    for (let s = 0; s < gathered; s++) {
      const id = ids[s];
      const src = s * dim;
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
