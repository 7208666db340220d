// A tower: a sample's field embeddings and numerical features, concatenated, through an MLP (the seed's
// two-tower user and ad towers).
// Legend: B batch, F fields, D embedding dim, N numerical features, O output width.
import type { ParamSpec } from '../params.js';
import { concat } from './concat.js';
import type { LayerContext } from './context.js';
import { Mlp } from './mlp.js';

export interface TowerShape {
  numFields: number;
  dim: number;
  numNumerical: number;
  hidden: readonly number[];
  outDim: number;
}

export interface TowerApplied {
  y: string;
  /** dy (B,O) → d emb (B,F·D). */
  backward(dy: string): string;
}

export class Tower {
  readonly mlp: Mlp;

  constructor(
    readonly name: string,
    readonly shape: TowerShape,
  ) {
    const inDim = shape.numFields * shape.dim + shape.numNumerical;
    this.mlp = new Mlp(`${name}.mlp`, { inDim, hidden: shape.hidden, outDim: shape.outDim, dropout: 0 });
  }

  params(): ParamSpec[] {
    return this.mlp.params();
  }

  /** emb (B,F·D), numerical (B,N) → y (B,O). */
  forward(ctx: LayerContext, emb: string, numerical: string): TowerApplied {
    const { numFields, dim, numNumerical } = this.shape;
    const joined = concat(ctx, [emb, numerical], [numFields * dim, numNumerical]); // (B,F·D+N)
    const out = this.mlp.forward(ctx, joined.y);
    return {
      y: out.y,
      backward: (dy) => joined.backward(out.backward(dy))[0],
    };
  }
}
