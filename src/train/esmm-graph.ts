// The ESMM training graph: both heads read the same gathered embeddings, the loss is BCE(click, pCTR) +
// BCE(click∧convert, pCTR·pCVR) over all impressions, and the shared tables get the sum of both heads'
// gradients. Legend: B batch, F fields, D embedding dim, N numerical features.
import type { FloatDtype } from '../engine/dtype.js';
import { LayerContext } from '../engine/layers/context.js';
import { esmmLoss } from '../engine/losses/esmm.js';
import { GraphBuilder } from '../engine/onnx/graph-builder.js';
import type { EsmmModel } from '../models/esmm-model.js';
import { bagInput, bagSpec, finishTrainGraph, type TrainGraph } from './train-graph.js';

export function esmmTrainGraph(model: EsmmModel, dtype: FloatDtype = 'float32'): TrainGraph {
  const g = new GraphBuilder('esmm_train', dtype);
  const ctx = new LayerContext(g, { kind: 'train', params: model.params() });
  const bag = bagSpec('emb', model.embeddings());
  const emb = bagInput(ctx, bag); // (B,F·D)
  const n = model.config.numNumerical;
  const numerical = g.input('numerical', dtype, ['B', n]);
  const click = g.input('click', dtype, ['B']);
  const convert = g.input('convert', dtype, ['B']);

  const ctr = model.ctr.forward(ctx, emb, numerical);
  const cvr = model.cvr.forward(ctx, emb, numerical);
  const loss = esmmLoss(g, ctr.logit, cvr.logit, click, convert);
  const dEmb = g.op('Add', [ctr.backward(loss.dCtrLogit), cvr.backward(loss.dCvrLogit)]); // (B·F,D)
  g.output(g.rename(ctr.logit, 'ctr_logit'), dtype, ['B']);
  g.output(g.rename(cvr.logit, 'cvr_logit'), dtype, ['B']);

  const perSample = (name: string): { name: string; dtype: FloatDtype; batchRows: number; inner: number[] } => ({ name, dtype, batchRows: 1, inner: [] });
  return finishTrainGraph(ctx, loss.loss, [{ spec: bag, grad: dEmb }], {
    inputs: [{ name: 'numerical', dtype, batchRows: 1, inner: [n] }, perSample('click'), perSample('convert')],
    outputs: [perSample('ctr_logit'), perSample('cvr_logit')],
  });
}
