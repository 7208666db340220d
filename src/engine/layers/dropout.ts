// Inverted dropout with a mask supplied per step as a graph input (0 or 1/keep, drawn from the seeded Rng by
// the trainer), so a run is reproducible and resumable. Identity in inference graphs.
// Legend: B batch, H width.
import { assert } from '../../core/errors.js';
import type { Applied, LayerContext } from './context.js';

export class Dropout {
  constructor(
    readonly name: string,
    readonly width: number,
    readonly dropProb: number,
  ) {
    assert(dropProb >= 0 && dropProb < 1, `dropout ${name}: probability ${dropProb} must be in [0, 1)`);
  }

  /** x (B,H) → y (B,H). */
  forward(ctx: LayerContext, x: string): Applied {
    if (!ctx.training || this.dropProb === 0) return { y: x, backward: (dy) => dy };
    const { g } = ctx;
    const mask = ctx.maskInput(`${this.name}.mask`, this.width, 1 - this.dropProb); // (B,H)
    return {
      y: g.op('Mul', [x, mask]),
      backward: (dy) => g.op('Mul', [dy, mask]),
    };
  }
}
