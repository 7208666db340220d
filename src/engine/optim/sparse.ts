// Row-sparse optimizers for embedding tables: only the rows a step touched are read or written.
// Legend: U touched rows, D dim.
import type { EmbeddingTable } from '../embedding/table.js';

export interface SparseOptimizer {
  readonly kind: 'lazy-adam' | 'adagrad';
  /** Update `count` rows of the table from their summed gradients sums (U,D). */
  update(rows: Int32Array, count: number, sums: Float32Array): void;
  /** State to checkpoint: the live arrays (R,D) by name (write into them to restore) and the step count. */
  state(): { step: number; arrays: Record<string, Float32Array> };
  setStep(step: number): void;
}

export interface LazyAdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** decoupled weight decay of the touched rows (AdamW-style, lr·wd·row per update; 0 = SparseAdam) */
  weightDecay?: number;
}

export const SEED_LAZY_ADAM: LazyAdamSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/**
 * Lazy Adam, PyTorch's SparseAdam semantics: moments of untouched rows are left alone (not decayed), the step
 * count is the table's, and the update is lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + eps). No weight decay, as SparseAdam.
 * A row's two moments sit side by side (m then v), so updating a random row of a big table misses the cache
 * (and TLB) in two places, not three.
 */
export class LazyAdam implements SparseOptimizer {
  readonly kind = 'lazy-adam';
  private readonly moments: Float32Array; // (R,2D): m (D) then v (D) per row
  private step = 0;

  constructor(
    readonly table: EmbeddingTable,
    readonly settings: LazyAdamSettings = SEED_LAZY_ADAM,
  ) {
    // writing the zeros commits the pages now: otherwise each first touch of a row of a big table takes a
    // page fault inside the training loop (several ms per step early in the first epoch)
    this.moments = new Float32Array(2 * table.data.length).fill(0);
  }

  update(rows: Int32Array, count: number, sums: Float32Array): void {
    const { lr, beta1, beta2, eps } = this.settings;
    this.step++;
    const stepSize = (lr * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
    const dim = this.table.dim;
    const { moments } = this;
    const value = this.table.data;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const keep = 1 - lr * (this.settings.weightDecay ?? 0);
    for (let u = 0; u < count; u++) {
      const base = rows[u] * dim;
      const mBase = 2 * base;
      const vBase = mBase + dim;
      const src = u * dim;
      if (keep !== 1) for (let d = 0; d < dim; d++) value[base + d] *= keep;
      for (let d = 0; d < dim; d++) {
        const g = sums[src + d];
        moments[mBase + d] += c1 * (g - moments[mBase + d]);
        moments[vBase + d] += c2 * (g * g - moments[vBase + d]);
        // read back: the update uses the stored float32 moments, as PyTorch does
        value[base + d] -= (stepSize * moments[mBase + d]) / (Math.sqrt(moments[vBase + d]) + eps);
      }
    }
  }

  state(): { step: number; arrays: Record<string, Float32Array> } {
    return { step: this.step, arrays: { moments: this.moments } };
  }

  setStep(step: number): void {
    this.step = step;
  }
}

export interface AdagradSettings {
  lr: number;
  eps: number;
}

export const DEFAULT_ADAGRAD: AdagradSettings = { lr: 1e-2, eps: 1e-10 };

/** Adagrad (Duchi et al. 2011) on touched rows, as torch.optim.Adagrad on a sparse gradient (no lr decay). */
export class SparseAdagrad implements SparseOptimizer {
  readonly kind = 'adagrad';
  private readonly sum: Float32Array; // (R,D)
  private step = 0;

  constructor(
    readonly table: EmbeddingTable,
    readonly settings: AdagradSettings = DEFAULT_ADAGRAD,
  ) {
    this.sum = new Float32Array(table.data.length).fill(0); // committed now, see LazyAdam
  }

  update(rows: Int32Array, count: number, sums: Float32Array): void {
    const { lr, eps } = this.settings;
    this.step++;
    const dim = this.table.dim;
    const { sum } = this;
    const value = this.table.data;
    for (let u = 0; u < count; u++) {
      const base = rows[u] * dim;
      const src = u * dim;
      for (let d = 0; d < dim; d++) {
        const i = base + d;
        const g = sums[src + d];
        sum[i] += g * g;
        value[i] -= (lr * g) / (Math.sqrt(sum[i]) + eps);
      }
    }
  }

  state(): { step: number; arrays: Record<string, Float32Array> } {
    return { step: this.step, arrays: { sum: this.sum } };
  }

  setStep(step: number): void {
    this.step = step;
  }
}
