// Multi-layer perceptron: (Linear → ReLU → Dropout) per hidden width, then a final Linear.
// Parameters are named like the positions in PyTorch's nn.Sequential (mlp.0, mlp.3, … with dropout;
// mlp.0, mlp.2, … without), so a PyTorch state dict maps onto them by name.
// Legend: B batch, I input width, H_k hidden widths, O output width.
import type { ParamSpec } from '../params.js';
import type { Applied, LayerContext } from './context.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { reluDropout } from './relu-dropout.js';

export interface MlpShape {
  inDim: number;
  hidden: readonly number[];
  outDim: number;
  dropout: number;
}

export class Mlp {
  readonly linears: Linear[] = [];
  private readonly dropouts: Dropout[] = [];

  constructor(
    readonly name: string,
    readonly shape: MlpShape,
  ) {
    const stride = shape.dropout > 0 ? 3 : 2;
    const widths = [shape.inDim, ...shape.hidden, shape.outDim];
    for (let k = 0; k + 1 < widths.length; k++) {
      this.linears.push(new Linear(`${name}.${k * stride}`, widths[k], widths[k + 1]));
      if (k < shape.hidden.length) this.dropouts.push(new Dropout(`${name}.${k * stride + 2}`, widths[k + 1], shape.dropout));
    }
  }

  params(): ParamSpec[] {
    return this.linears.flatMap((linear) => linear.params());
  }

  /** x (B,I) → y (B,O). */
  forward(ctx: LayerContext, x: string): Applied {
    const steps: Applied[] = [];
    let h = x;
    for (let k = 0; k < this.linears.length; k++) {
      steps.push(this.linears[k].forward(ctx, h));
      if (k < this.dropouts.length) steps.push(reluDropout(ctx, steps[steps.length - 1].y, this.dropouts[k]));
      h = steps[steps.length - 1].y;
    }
    return {
      y: h,
      backward: (dy) => steps.reduceRight((grad, step) => step.backward(grad), dy),
    };
  }
}
