// Binary cross-entropy on logits, mean over the batch: softplus(x) − x·y, the stable form of
// −[y·log σ(x) + (1−y)·log(1−σ(x))]. Gradient (σ(x) − y)/B.
// Legend: B batch.
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { batchMean, inverseBatch, type LossApplied } from './batch-mean.js';

/** logit (B), label (B) in {0,1} → mean loss and d loss/d logit (B). */
export function bceWithLogits(g: GraphBuilder, logit: string, label: string): LossApplied {
  const perSample = g.op('Sub', [g.op('Softplus', [logit]), g.op('Mul', [logit, label])]); // (B)
  const residual = g.op('Sub', [g.op('Sigmoid', [logit]), label]); // (B)
  return { loss: batchMean(g, perSample), dLogit: g.op('Mul', [residual, inverseBatch(g, logit)]) };
}
