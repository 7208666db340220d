// Embedding tables live in TypeScript, outside the graph: a Float32Array of rows×dim per field. The tables
// of one bag are views into one shared arena, so the training graph can read them all as a single input
// without a copy; the sparse optimizers update rows in place.
// Legend: R rows (ids), D dim.
import { assert } from '../../core/errors.js';
import type { Rng } from '../../core/rng.js';
import { arenaLayout } from './lookup.js';

export interface EmbeddingSpec {
  /** e.g. 'emb.user_id' (the table's weight is `${name}.weight` in PyTorch terms) */
  name: string;
  rows: number;
  dim: number;
}

export class EmbeddingTable {
  /** (R,D) */
  readonly data: Float32Array;

  constructor(
    readonly spec: EmbeddingSpec,
    data?: Float32Array,
  ) {
    assert(Number.isInteger(spec.rows) && spec.rows > 0 && spec.dim > 0, `table ${spec.name}: bad size`);
    this.data = data ?? new Float32Array(spec.rows * spec.dim);
    assert(this.data.length === spec.rows * spec.dim, `table ${spec.name}: data has the wrong length`);
  }

  get rows(): number {
    return this.spec.rows;
  }

  get dim(): number {
    return this.spec.dim;
  }

  /** nn.Embedding's default initialisation, N(0, 1). */
  fillNormal(rng: Rng, std = 1): void {
    for (let i = 0; i < this.data.length; i++) this.data[i] = rng.normal() * std;
  }
}

/** Tables for a bag, allocated back to back in one arena (R_total, D). */
export function allocateBag(specs: readonly EmbeddingSpec[]): EmbeddingTable[] {
  const dim = specs[0].dim;
  const { offsets, rows } = arenaLayout(specs);
  const arena = new Float32Array(rows * dim);
  return specs.map((spec, i) => new EmbeddingTable(spec, arena.subarray(offsets[i] * dim, (offsets[i] + spec.rows) * dim)));
}

/** The arena spanning a bag's tables; they must be contiguous views of one buffer, in order. */
export function arenaOf(tables: readonly EmbeddingTable[]): Float32Array {
  const first = tables[0].data;
  let expectedOffset = first.byteOffset;
  let length = 0;
  for (const table of tables) {
    assert(table.data.buffer === first.buffer && table.data.byteOffset === expectedOffset, `table ${table.spec.name} is not in its bag's arena`);
    expectedOffset += table.data.byteLength;
    length += table.data.length;
  }
  return new Float32Array(first.buffer, first.byteOffset, length);
}
