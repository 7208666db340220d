// Concatenation along the feature axis; backward slices the gradient back into the parts.
// Legend: B batch, W_k width of part k.
import type { LayerContext } from './context.js';

export interface ConcatApplied {
  y: string;
  /** dy (B,ΣW) → one gradient per part, (B,W_k). */
  backward(dy: string): string[];
}

/** parts (B,W_k) with known widths → y (B,ΣW). */
export function concat(ctx: LayerContext, parts: readonly string[], widths: readonly number[]): ConcatApplied {
  const { g } = ctx;
  const y = g.op('Concat', parts, { axis: 1 });
  return {
    y,
    backward: (dy) => g.node('Split', [dy, g.ints(widths)], { axis: 1 }, parts.length),
  };
}
