// ESMM loss (Ma et al. 2018, "Entire Space Multi-Task Model"): over all impressions,
// BCE(click, pCTR) + BCE(click∧convert, pCTR·pCVR), each a mean over the batch.
// The second term follows PyTorch's BCELoss on the product probability: logs clamped at −100, and the
// gradient (t − w)/max(t(1−t), 1e-12) for t = pCTR·pCVR.
// Legend: B batch.
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { batchMean, inverseBatch } from './batch-mean.js';
import { bceWithLogits } from './bce.js';

export interface EsmmApplied {
  loss: string;
  dCtrLogit: string;
  dCvrLogit: string;
}

/** ctrLogit (B), cvrLogit (B), click (B), convert (B) in {0,1} → mean loss and both logit gradients (B). */
export function esmmLoss(g: GraphBuilder, ctrLogit: string, cvrLogit: string, click: string, convert: string): EsmmApplied {
  const one = g.scalar(1);
  const ctr = bceWithLogits(g, ctrLogit, click);
  const pCtr = g.op('Sigmoid', [ctrLogit]);
  const pCvr = g.op('Sigmoid', [cvrLogit]);
  const t = g.op('Mul', [pCtr, pCvr]); // pCTCVR (B)
  const w = g.op('Mul', [click, convert]); // click∧convert (B)
  const floor = g.scalar(-100);
  const logT = g.op('Max', [g.op('Log', [t]), floor]);
  const log1mT = g.op('Max', [g.op('Log', [g.op('Sub', [one, t])]), floor]);
  const perSample = g.op('Neg', [
    g.op('Add', [g.op('Mul', [w, logT]), g.op('Mul', [g.op('Sub', [one, w]), log1mT])]),
  ]);
  const loss = g.op('Add', [ctr.loss, batchMean(g, perSample)]);

  // dL2/dt, then dt/d ctrLogit = t(1−pCTR) and dt/d cvrLogit = t(1−pCVR)
  const variance = g.op('Max', [g.op('Mul', [t, g.op('Sub', [one, t])]), g.scalar(1e-12)]);
  const dT = g.op('Mul', [g.op('Div', [g.op('Sub', [t, w]), variance]), inverseBatch(g, t)]);
  const dCtrFromProduct = g.op('Mul', [dT, g.op('Mul', [t, g.op('Sub', [one, pCtr])])]);
  const dCvrLogit = g.op('Mul', [dT, g.op('Mul', [t, g.op('Sub', [one, pCvr])])]);
  return { loss, dCtrLogit: g.op('Add', [ctr.dLogit, dCtrFromProduct]), dCvrLogit };
}
