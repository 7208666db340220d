// ReLU followed by inverted dropout, fused for training: one mask M = [z > 0]·mask serves the forward
// (h = z·M) and the backward (dz = dh·M), one elementwise pass fewer than the two layers apart.
// In inference graphs it is a plain ReLU. Legend: B batch, H width.
import { floatType } from '../onnx/schema.js';
import type { Applied, LayerContext } from './context.js';
import type { Dropout } from './dropout.js';
import { relu } from './relu.js';

/** z (B,H) → h (B,H). */
export function reluDropout(ctx: LayerContext, z: string, dropout: Dropout): Applied {
  if (!ctx.training || dropout.dropProb === 0) return relu(ctx, z);
  const { g } = ctx;
  const mask = ctx.maskInput(`${dropout.name}.mask`, dropout.width, 1 - dropout.dropProb); // (B,H) 0 or 1/keep
  // [z > 0]·mask; Cast·Mul measured ~3× faster than Where in ORT 1.30 on (1024,128)
  const keep = g.op('Mul', [g.op('Cast', [g.op('Greater', [z, g.scalar(0)])], { to: floatType(g.float) }), mask]); // (B,H)
  return {
    y: g.op('Mul', [z, keep]),
    backward: (dh) => g.op('Mul', [dh, keep]),
  };
}
