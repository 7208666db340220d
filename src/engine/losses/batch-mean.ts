// Losses are means over the batch; their gradients carry the 1/B factor. B is symbolic in the graph (the last
// batch of an epoch may be short), so 1/B is read from the input's shape.
import { floatType } from '../onnx/schema.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';

/** 1/B as a (1) tensor of the graph's float dtype, for x (B,…). */
export function inverseBatch(g: GraphBuilder, x: string): string {
  const batch = g.op('Shape', [x], { start: 0, end: 1 }); // (1) int64
  return g.op('Reciprocal', [g.op('Cast', [batch], { to: floatType(g.float) })]);
}

/** Scalar mean of x (B). */
export function batchMean(g: GraphBuilder, x: string): string {
  return g.op('ReduceMean', [x], { keepdims: 0 });
}

/** The gradient output of a loss with respect to its scores. */
export interface LossApplied {
  /** mean loss, scalar */
  loss: string;
  /** d loss / d logit, same shape as the logit */
  dLogit: string;
}
