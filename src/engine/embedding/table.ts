// Embedding tables live in TypeScript, outside the graph: one Float32Array of rows×dim per field. A step
// gathers the batch's rows into the graph's input; tables of millions of rows are never copied.
// Legend: R rows (ids), D dim, S samples in the batch, F fields of a bag.
import { AdrankError, assert } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';

export interface EmbeddingSpec {
  /** e.g. 'emb.user_id' (the table's weight is `${name}.weight` in PyTorch terms) */
  name: string;
  rows: number;
  dim: number;
}

export class EmbeddingTable {
  readonly data: Float32Array; // (R,D)

  constructor(
    readonly spec: EmbeddingSpec,
    data?: Float32Array,
  ) {
    assert(Number.isInteger(spec.rows) && spec.rows > 0 && spec.dim > 0, `table ${spec.name}: bad size`);
    this.data = data ?? new Float32Array(spec.rows * spec.dim);
    assert(this.data.length === spec.rows * spec.dim, `table ${spec.name}: data has the wrong length`);
  }

  /** nn.Embedding's default initialisation, N(0, 1). */
  static normal(spec: EmbeddingSpec, rng: Rng, std = 1): EmbeddingTable {
    const table = new EmbeddingTable(spec);
    for (let i = 0; i < table.data.length; i++) table.data[i] = rng.normal() * std;
    return table;
  }

  get rows(): number {
    return this.spec.rows;
  }

  get dim(): number {
    return this.spec.dim;
  }
}

/**
 * Gather rows for a bag of F tables (same D): ids (S,F) → out (S,F·D), row s holds the F embeddings in order.
 * An id outside a table is input error, not a crash in the graph.
 */
export function gatherRows(tables: readonly EmbeddingTable[], ids: Int32Array, samples: number, out: Float32Array): void {
  const fields = tables.length;
  const dim = tables[0].dim;
  for (let f = 0; f < fields; f++) {
    const { data, rows } = tables[f];
    for (let s = 0; s < samples; s++) {
      const id = ids[s * fields + f];
      if (!(id >= 0 && id < rows)) throw badId(tables[f], id, s);
      const src = id * dim;
      const dst = (s * fields + f) * dim;
      for (let d = 0; d < dim; d++) out[dst + d] = data[src + d];
    }
  }
}

function badId(table: EmbeddingTable, id: number, sample: number): AdrankError {
  return new AdrankError('OUT_OF_RANGE', `id ${id} is outside table ${table.spec.name} (${table.rows} rows)`, {
    location: { field: table.spec.name, row: sample + 1, value: String(id) },
    hint: 'encode ids with the FeatureMap the model was built for (unknown values map to the OOV row)',
  });
}
