// The two-tower training graph (the seed's retrieval model): for each clicked impression the user tower's
// vector is scored against the clicked ad and K sampled negative ads by dot product, with softmax
// cross-entropy over [positive, negatives]. The ad tower runs once over all B·(1+K) ads.
// Legend: B batch (clicks), C = 1+K ads per click, O vector dim.
import type { FloatDtype } from '../engine/dtype.js';
import { LayerContext } from '../engine/layers/context.js';
import { softmaxCrossEntropyFirst } from '../engine/losses/softmax-ce.js';
import { GraphBuilder } from '../engine/onnx/graph-builder.js';
import type { TwoTowerModel } from '../models/two-tower.js';
import { bagInput, bagSpec, finishTrainGraph, type TrainGraph } from './train-graph.js';

export function twoTowerTrainGraph(model: TwoTowerModel, numNegatives: number, dtype: FloatDtype = 'float32'): TrainGraph {
  const g = new GraphBuilder('two_tower_train', dtype);
  const ctx = new LayerContext(g, { kind: 'train', params: model.params() });
  const ads = 1 + numNegatives;
  const out = model.config.user.outDim;
  const userBag = bagSpec('user', model.user.embeddings());
  const adBag = bagSpec('ad', model.ad.embeddings(), ads);
  const userEmb = bagInput(ctx, userBag); // (B,Fu·D)
  const adEmb = bagInput(ctx, adBag); // (B·C,Fa·D)
  const userNum = g.input('user_numerical', dtype, ['B', model.config.user.numNumerical]);
  const adNum = g.input('ad_numerical', dtype, [`B*${ads}`, model.config.ad.numNumerical]);

  const user = model.user.tower.forward(ctx, userEmb, userNum); // (B,O)
  const ad = model.ad.tower.forward(ctx, adEmb, adNum); // (B·C,O)
  const adVectors = g.op('Reshape', [ad.y, g.ints([-1, ads, out])]); // (B,C,O)
  const userColumn = g.op('Unsqueeze', [user.y, g.ints([2])]); // (B,O,1)
  const scores = g.op('Reshape', [g.op('MatMul', [adVectors, userColumn]), g.ints([-1, ads])]); // (B,C)
  const loss = softmaxCrossEntropyFirst(g, scores, ads);

  // d user = Σ_c dScores[b,c]·ad[b,c,:]; d ad[b,c,:] = dScores[b,c]·user[b,:]
  const dScoresRow = g.op('Unsqueeze', [loss.dScores, g.ints([1])]); // (B,1,C)
  const dUser = g.op('Reshape', [g.op('MatMul', [dScoresRow, adVectors]), g.ints([-1, out])]); // (B,O)
  const dScoresColumn = g.op('Unsqueeze', [loss.dScores, g.ints([2])]); // (B,C,1)
  const userRow = g.op('Unsqueeze', [user.y, g.ints([1])]); // (B,1,O)
  const dAd = g.op('Reshape', [g.op('Mul', [dScoresColumn, userRow]), g.ints([-1, out])]); // (B·C,O)
  const asRows = (dEmb: string, dim: number): string => g.op('Reshape', [dEmb, g.ints([-1, dim])]); // (S·F,D)
  const dUserEmb = asRows(user.backward(dUser), model.config.user.embeddingDim);
  const dAdEmb = asRows(ad.backward(dAd), model.config.ad.embeddingDim);

  g.output(g.rename(scores, 'scores'), dtype, ['B', ads]);
  g.output(g.rename(user.y, 'user_vector'), dtype, ['B', out]);
  g.output(g.rename(ad.y, 'ad_vector'), dtype, [`B*${ads}`, out]);
  return finishTrainGraph(
    ctx,
    loss.loss,
    [
      { spec: userBag, grad: dUserEmb },
      { spec: adBag, grad: dAdEmb },
    ],
    {
      inputs: [
        { name: 'user_numerical', dtype, batchRows: 1, inner: [model.config.user.numNumerical] },
        { name: 'ad_numerical', dtype, batchRows: ads, inner: [model.config.ad.numNumerical] },
      ],
      outputs: [
        { name: 'scores', dtype, batchRows: 1, inner: [ads] },
        { name: 'user_vector', dtype, batchRows: 1, inner: [out] },
        { name: 'ad_vector', dtype, batchRows: ads, inner: [out] },
      ],
    },
  );
}
