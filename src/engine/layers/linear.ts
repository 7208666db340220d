// Linear layer y = x·Wᵀ + b with PyTorch's [out, in] weight layout, so PyTorch weights load as they are.
// Legend: N rows (batch, or batch×fields), I input width, O output width.
import type { ParamSpec } from '../params.js';
import type { Applied, LayerContext } from './context.js';

export interface LinearApplied extends Applied {
  /** backward whose dx is added to `addTo` (N,I) inside the dx GEMM, saving a separate Add pass */
  backwardInto(dy: string, addTo: string): string;
}

export class Linear {
  readonly weight: ParamSpec;
  readonly bias: ParamSpec;

  constructor(
    readonly name: string,
    readonly inDim: number,
    readonly outDim: number,
  ) {
    // nn.Linear's default init: kaiming_uniform(a=√5) on the weight and the bias both reduce to U(±1/√fan_in).
    const bound = 1 / Math.sqrt(inDim);
    this.weight = { name: `${name}.weight`, shape: [outDim, inDim], init: { kind: 'uniform', bound } };
    this.bias = { name: `${name}.bias`, shape: [outDim], init: { kind: 'uniform', bound } };
  }

  params(): ParamSpec[] {
    return [this.weight, this.bias];
  }

  /** x (N,I) → y (N,O). */
  forward(ctx: LayerContext, x: string): LinearApplied {
    const { g } = ctx;
    const w = ctx.param(this.weight); // (O,I)
    const b = ctx.param(this.bias); // (O)
    const y = g.op('Gemm', [x, w, b], { transB: 1 }); // (N,O)
    const paramGrads = (dy: string): void => {
      // dy (N,O): dW = dyᵀ·x (O,I), db = 1ᵀ·dy (O).
      // The bias sum is a vector-matrix product: ORT's ReduceSum over axis 0 is ~10× slower on tall inputs.
      const ones = g.op('Expand', [g.scalar(1), g.op('Shape', [dy], { start: 0, end: 1 })]); // (N)
      ctx.accumulateGrad(this.weight.name, g.op('Gemm', [dy, x], { transA: 1 }));
      ctx.accumulateGrad(this.bias.name, g.op('MatMul', [ones, dy]));
    };
    return {
      y,
      backward: (dy) => {
        paramGrads(dy);
        return g.op('MatMul', [dy, w]); // dx = dy·W (N,I)
      },
      backwardInto: (dy, addTo) => {
        paramGrads(dy);
        return g.op('Gemm', [dy, w, addTo]); // dx = dy·W + addTo (N,I)
      },
    };
  }
}
