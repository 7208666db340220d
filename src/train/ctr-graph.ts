// The training graph of a CTR/CVR model: gathered embeddings and numericals in, mean loss, logits, dense
// gradients and the per-sample embedding gradient out. Dropout masks are inputs while training.
// Legend: B batch, F fields, D embedding dim, N numerical features.
import type { FloatDtype } from '../engine/dtype.js';
import { LayerContext } from '../engine/layers/context.js';
import { bceWithLogits } from '../engine/losses/bce.js';
import { focalLoss, type FocalParams } from '../engine/losses/focal.js';
import { GraphBuilder } from '../engine/onnx/graph-builder.js';
import type { CtrModel } from '../models/ctr-model.js';
import { bagInput, bagSpec, finishTrainGraph, type TrainGraph } from './train-graph.js';

export type CtrLoss = { kind: 'bce' } | ({ kind: 'focal' } & FocalParams);

export const SEED_CTR_LOSS: CtrLoss = { kind: 'focal', alpha: 0.25, gamma: 2 };

export function ctrTrainGraph(model: CtrModel, loss: CtrLoss, dtype: FloatDtype = 'float32'): TrainGraph {
  const g = new GraphBuilder('ctr_train', dtype);
  const ctx = new LayerContext(g, { kind: 'train', params: model.params() });
  const bag = bagSpec('emb', model.embeddings());
  const emb = bagInput(ctx, bag); // (B,F·D)
  const n = model.config.numNumerical;
  const numerical = g.input('numerical', dtype, ['B', n]); // (B,N)
  const label = g.input('label', dtype, ['B']); // (B)

  const out = model.forward(ctx, emb, numerical);
  const applied = loss.kind === 'bce' ? bceWithLogits(g, out.logit, label) : focalLoss(g, out.logit, label, loss);
  const dEmb = out.backward(applied.dLogit);
  g.output(g.rename(out.logit, 'logit'), dtype, ['B']);

  return finishTrainGraph(ctx, applied.loss, [{ spec: bag, grad: dEmb }], {
    inputs: [
      { name: 'numerical', dtype, batchRows: 1, inner: [n] },
      { name: 'label', dtype, batchRows: 1, inner: [] },
    ],
    outputs: [{ name: 'logit', dtype, batchRows: 1, inner: [] }],
  });
}
