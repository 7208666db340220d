// Softmax cross-entropy over [positive, negatives] with the positive at index 0 (the seed's two-tower loss),
// mean over the batch. Gradient (softmax(s) − e₀)/B.
// Legend: B batch, C = 1 + negatives.
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { batchMean, inverseBatch } from './batch-mean.js';

export interface SoftmaxCeApplied {
  loss: string;
  /** d loss / d scores (B,C) */
  dScores: string;
}

/** scores (B,C) → mean loss and its gradient (B,C). */
export function softmaxCrossEntropyFirst(g: GraphBuilder, scores: string, numClasses: number): SoftmaxCeApplied {
  const logProb = g.op('LogSoftmax', [scores], { axis: 1 }); // (B,C)
  const first = g.op('Reshape', [g.op('Slice', [logProb, g.ints([0]), g.ints([1]), g.ints([1])]), g.ints([-1])]); // (B)
  const loss = g.op('Neg', [batchMean(g, first)]);
  const oneHot = g.constant([1, numClasses], Array.from({ length: numClasses }, (_, c) => (c === 0 ? 1 : 0)));
  const residual = g.op('Sub', [g.op('Softmax', [scores], { axis: 1 }), oneHot]); // (B,C)
  return { loss, dScores: g.op('Mul', [residual, inverseBatch(g, scores)]) };
}
