// The weights of the best validation epoch so far: a copy of every dense parameter and embedding table, taken
// when an epoch improves and put back when training ends, so early stopping returns the best model, not the
// last one. Checkpoints carry the copy, so a resumed run restores the same weights.
import type { ModelState } from './model-state.js';

export class BestWeights {
  private copies: Float32Array[] | null = null;

  constructor(private readonly state: ModelState) {}

  /** The live arrays, by a stable name: the flat dense parameters, then each table. */
  live(): [string, Float32Array][] {
    return [['params', this.state.params.flat], ...[...this.state.tables].map(([name, table]): [string, Float32Array] => [`table:${name}`, table.data])];
  }

  get held(): boolean {
    return this.copies !== null;
  }

  /** Copy the current weights (reusing the buffers of an earlier copy). */
  keep(): void {
    const live = this.live();
    if (this.copies === null) this.copies = live.map(([, a]) => a.slice());
    else live.forEach(([, a], i) => this.copies![i].set(a));
  }

  /** Put the kept weights back into the model; nothing happens when none were kept. */
  restore(): void {
    if (this.copies === null) return;
    this.live().forEach(([, a], i) => a.set(this.copies![i]));
  }

  /** The copies by name (for checkpoints); empty when none were kept. */
  arrays(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    if (this.copies === null) return out;
    this.live().forEach(([name], i) => out.set(`best.${name}`, this.copies![i]));
    return out;
  }

  /** Arrays to fill when a checkpoint holds a copy (allocated on first use). */
  targets(): Map<string, Float32Array> {
    if (this.copies === null) this.copies = this.live().map(([, a]) => new Float32Array(a.length));
    return this.arrays();
  }
}
