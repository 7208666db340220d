// Walker's alias method: O(1) draws from a fixed discrete distribution (user activity, ad popularity).
import type { Rng } from '../../core/rng.js';

/** Anything that draws an index: an alias table, or one over a subset of the indices. */
export interface IndexSampler {
  sample(rng: Rng): number;
}

export class AliasTable implements IndexSampler {
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  /** weights: (N) non-negative, not all zero. */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.size = n;
    this.probability = new Float64Array(n);
    this.alias = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    if (!(total > 0)) throw new Error('assertion failed: alias table needs a positive total weight');
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let nSmall = 0;
    let nLarge = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      if (scaled[i] < 1) small[nSmall++] = i;
      else large[nLarge++] = i;
    }
    while (nSmall > 0 && nLarge > 0) {
      const s = small[--nSmall];
      const l = large[--nLarge];
      this.probability[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[nSmall++] = l;
      else large[nLarge++] = l;
    }
    while (nLarge > 0) this.probability[large[--nLarge]] = 1;
    while (nSmall > 0) this.probability[small[--nSmall]] = 1;
  }

  sample(rng: Rng): number {
    const u = rng.next() * this.size;
    const i = Math.floor(u);
    return u - i < this.probability[i] ? i : this.alias[i];
  }
}

/** Draws from `indices` (K) with the given weights (K): the alias method over a subset, answering original indices. */
export class SubsetSampler implements IndexSampler {
  private readonly table: AliasTable;

  constructor(readonly indices: Int32Array, weights: ArrayLike<number>) {
    this.table = new AliasTable(weights);
  }

  sample(rng: Rng): number {
    return this.indices[this.table.sample(rng)];
  }
}
