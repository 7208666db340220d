// The retrieval training graph: the user tower and the ad tower, scored by dot product with a sampled softmax over
// the batch's columns — every row's positive ad and K point-in-time negatives per row, shared by all rows — with
// the logQ correction and accidental hits masked (engine/losses/in-batch-softmax.ts).
// Legend: B batch (clicks), C = 1+K ads per click, P = B·C columns, O vector dim.
import type { FloatDtype } from '../engine/dtype.js';
import { LayerContext } from '../engine/layers/context.js';
import { inBatchSoftmax } from '../engine/losses/in-batch-softmax.js';
import { GraphBuilder } from '../engine/onnx/graph-builder.js';
import type { TwoTowerModel } from '../models/two-tower.js';
import { bagInput, bagSpec, finishTrainGraph, type TrainGraph } from './train-graph.js';

export function retrievalTrainGraph(model: TwoTowerModel, numNegatives: number, dtype: FloatDtype = 'float32'): TrainGraph {
  const g = new GraphBuilder('retrieval_train', dtype);
  const ctx = new LayerContext(g, { kind: 'train', params: model.params() });
  const per = 1 + numNegatives;
  const out = model.config.user.outDim;
  const userBag = bagSpec('user', model.user.embeddings());
  const adBag = bagSpec('ad', model.ad.embeddings(), per);
  const userEmb = bagInput(ctx, userBag); // (B,Fu·D)
  const adEmb = bagInput(ctx, adBag); // (P,Fa·D)
  const nu = model.config.user.numNumerical;
  const na = model.config.ad.numNumerical;
  const userNum = g.input('user_numerical', dtype, ['B', nu]);
  const adNum = g.input('ad_numerical', dtype, [`B*${per}`, na]);
  const logQ = g.input('column_logq', dtype, [`B*${per}`]);
  const positiveKey = g.input('positive_key', dtype, ['B']);
  const columnKey = g.input('column_key', dtype, [`B*${per}`]);

  const user = model.user.tower.forward(ctx, userEmb, userNum); // (B,O)
  const ad = model.ad.tower.forward(ctx, adEmb, adNum); // (P,O)
  const loss = inBatchSoftmax(g, user.y, ad.y, logQ, positiveKey, columnKey);
  const asRows = (dEmb: string, dim: number): string => g.op('Reshape', [dEmb, g.ints([-1, dim])]); // (S·F,D)
  const dUserEmb = asRows(user.backward(loss.dUser), model.config.user.embeddingDim);
  const dAdEmb = asRows(ad.backward(loss.dAd), model.config.ad.embeddingDim);
  g.output(g.rename(user.y, 'user_vector'), dtype, ['B', out]);
  const perSample = (name: string, rows: number, inner: number[]): { name: string; dtype: FloatDtype; batchRows: number; inner: number[] } => ({ name, dtype, batchRows: rows, inner });
  return finishTrainGraph(
    ctx,
    loss.loss,
    [
      { spec: userBag, grad: dUserEmb },
      { spec: adBag, grad: dAdEmb },
    ],
    {
      inputs: [perSample('user_numerical', 1, [nu]), perSample('ad_numerical', per, [na]), perSample('column_logq', per, []), perSample('positive_key', 1, []), perSample('column_key', per, [])],
      outputs: [perSample('user_vector', 1, [out])],
    },
  );
}
