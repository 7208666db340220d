// Dense Adam (Kingma & Ba 2015) exactly as torch.optim.Adam computes it (PyTorch 1.13, single-tensor path):
// weight decay is L2 added to the gradient, moments are bias-corrected, eps is added after the corrected sqrt.
import { assert } from '../../core/errors.js';

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** The seed's optimizer: torch.optim.Adam(lr=1e-3, weight_decay=1e-5). */
export const SEED_ADAM: AdamSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-5 };

export interface DenseSlot {
  name: string;
  value: Float32Array;
  grad: Float32Array;
}

export class DenseAdam {
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  step = 0;

  constructor(
    readonly slots: readonly DenseSlot[],
    readonly settings: AdamSettings = SEED_ADAM,
  ) {
    for (const slot of slots) assert(slot.value.length === slot.grad.length, `adam ${slot.name}: grad size`);
    this.m = slots.map((slot) => new Float32Array(slot.value.length));
    this.v = slots.map((slot) => new Float32Array(slot.value.length));
  }

  /** One update of every slot from its current gradient. */
  update(): void {
    const { lr, beta1, beta2, eps, weightDecay } = this.settings;
    this.step++;
    const stepSize = lr / (1 - beta1 ** this.step);
    const invBc2Sqrt = 1 / Math.sqrt(1 - beta2 ** this.step);
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let k = 0; k < this.slots.length; k++) {
      const { value, grad } = this.slots[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < value.length; i++) {
        const g = grad[i] + weightDecay * value[i];
        m[i] = beta1 * m[i] + c1 * g;
        v[i] = beta2 * v[i] + c2 * g * g;
        value[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) * invBc2Sqrt + eps);
      }
    }
  }
}
