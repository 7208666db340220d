// ReLU. Backward passes dy where the output is positive: Sign(relu(x)) is exactly that 0/1 mask, and it is 0
// at x = 0 like PyTorch's threshold_backward.
import type { Applied, LayerContext } from './context.js';

/** x (…) → y (…), elementwise. */
export function relu(ctx: LayerContext, x: string): Applied {
  const { g } = ctx;
  const y = g.op('Relu', [x]);
  return {
    y,
    backward: (dy) => g.op('Mul', [dy, g.op('Sign', [y])]),
  };
}
