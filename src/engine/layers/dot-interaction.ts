// DLRM's pairwise dot interaction (Naumov et al. 2019, "Deep Learning Recommendation Model for Personalization
// and Recommendation Systems"), as in the seed: one shared Linear projection of each field's embedding, then
// the dot product of every pair i<j in row-major order.
// All F² dots come from one batched MatMul Z = P·Pᵀ; a constant 0/1 matrix built once picks the i<j pairs.
// Backward: with G the gradient scattered back onto both (i,j) and (j,i), dP = G·P.
// Legend: B batch, F fields, D embedding dim, Q projected dim, K = F(F-1)/2 pairs.
import type { ParamSpec } from '../params.js';
import type { LayerContext } from './context.js';
import { Linear } from './linear.js';

export interface InteractionApplied {
  /** dots (B,K) */
  y: string;
  /**
   * dDots (B,K) → d emb as rows (B·F,D), the projection GEMM's own output shape (a graph output without a
   * copy); with `addTo` (B,F·D), the result includes it (one pass fewer)
   */
  backward(dDots: string, addTo?: string): string;
}

export interface DotInteractionShape {
  projectionName: string;
  numFields: number;
  dim: number;
  projDim: number;
}

export class DotInteraction {
  readonly projection: Linear;
  readonly numPairs: number;
  /** (F·F, K): column k is 1 at row i·F+j for the k-th pair. */
  private readonly select: Float64Array;
  /** (K, F·F): row k is 1 at i·F+j and j·F+i. */
  private readonly scatterSym: Float64Array;

  constructor(readonly shape: DotInteractionShape) {
    const { numFields: f } = shape;
    this.projection = new Linear(shape.projectionName, shape.dim, shape.projDim);
    this.numPairs = (f * (f - 1)) / 2;
    this.select = new Float64Array(f * f * this.numPairs);
    this.scatterSym = new Float64Array(this.numPairs * f * f);
    let k = 0;
    for (let i = 0; i < f; i++) {
      for (let j = i + 1; j < f; j++, k++) {
        this.select[(i * f + j) * this.numPairs + k] = 1;
        this.scatterSym[k * f * f + i * f + j] = 1;
        this.scatterSym[k * f * f + j * f + i] = 1;
      }
    }
  }

  params(): ParamSpec[] {
    return this.projection.params();
  }

  /** emb (B,F·D) → dots (B,K); backward gives d emb as rows (B·F,D). */
  forward(ctx: LayerContext, emb: string): InteractionApplied {
    const { g } = ctx;
    const { numFields: f, dim, projDim } = this.shape;
    const rows = g.op('Reshape', [emb, g.ints([-1, dim])]); // (B·F,D)
    const projected = this.projection.forward(ctx, rows); // (B·F,Q)
    const p = g.op('Reshape', [projected.y, g.ints([-1, f, projDim])]); // (B,F,Q)
    const z = g.op('MatMul', [p, g.op('Transpose', [p], { perm: [0, 2, 1] })]); // (B,F,F)
    const select = g.constant([f * f, this.numPairs], this.select);
    const dots = g.op('MatMul', [g.op('Reshape', [z, g.ints([-1, f * f])]), select]); // (B,K)
    return {
      y: dots,
      backward: (dDots, addTo) => {
        const scatter = g.constant([this.numPairs, f * f], this.scatterSym);
        const gSym = g.op('Reshape', [g.op('MatMul', [dDots, scatter]), g.ints([-1, f, f])]); // (B,F,F)
        const dP = g.op('MatMul', [gSym, p]); // (B,F,Q)
        const dP2 = g.op('Reshape', [dP, g.ints([-1, projDim])]); // (B·F,Q)
        return addTo === undefined
          ? projected.backward(dP2)
          : projected.backwardInto(dP2, g.op('Reshape', [addTo, g.ints([-1, dim])])); // (B·F,D)
      },
    };
  }
}
