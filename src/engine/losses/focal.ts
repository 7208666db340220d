// Focal loss (Lin et al. 2017, "Focal Loss for Dense Object Detection") exactly as the seed computes it:
// p = clamp(σ(x), 1e-7, 1−1e-7); −α(1−p)^γ·log p for positives, −(1−α)p^γ·log(1−p) for negatives; mean.
// The clamp passes gradient only inside [lo, hi] (bounds included), like PyTorch's clamp backward.
// Legend: B batch.
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { floatType } from '../onnx/schema.js';
import { batchMean, inverseBatch, type LossApplied } from './batch-mean.js';

export interface FocalParams {
  alpha: number;
  gamma: number;
}

export const SEED_FOCAL: FocalParams = { alpha: 0.25, gamma: 2 };
const CLAMP_LO = 1e-7;
const CLAMP_HI = 1 - 1e-7;

/** logit (B), label (B) in {0,1} → mean focal loss and d loss/d logit (B). */
export function focalLoss(g: GraphBuilder, logit: string, label: string, params: FocalParams = SEED_FOCAL): LossApplied {
  const { alpha, gamma } = params;
  const one = g.scalar(1);
  const s = g.op('Sigmoid', [logit]); // (B)
  const lo = g.scalar(CLAMP_LO);
  const hi = g.scalar(CLAMP_HI);
  const p = g.op('Clip', [s, lo, hi]);
  const q = g.op('Sub', [one, p]); // 1−p
  const logP = g.op('Log', [p]);
  const logQ = g.op('Log', [q]);
  const qPowG = g.op('Pow', [q, g.scalar(gamma)]);
  const pPowG = g.op('Pow', [p, g.scalar(gamma)]);
  const isPositive = g.op('Equal', [label, one]);

  // forward: per-sample loss, picked by label as torch.where does
  const lossPos = g.op('Mul', [g.scalar(-alpha), g.op('Mul', [qPowG, logP])]);
  const lossNeg = g.op('Mul', [g.scalar(-(1 - alpha)), g.op('Mul', [pPowG, logQ])]);
  const perSample = g.op('Where', [isPositive, lossPos, lossNeg]);

  // backward: dL/dp for each branch, then the clamp's pass-through mask and σ'(x) = s(1−s)
  const gammaMinus1 = g.scalar(gamma - 1);
  const dPos = g.op('Mul', [
    g.scalar(alpha),
    g.op('Sub', [
      g.op('Mul', [g.scalar(gamma), g.op('Mul', [g.op('Pow', [q, gammaMinus1]), logP])]),
      g.op('Div', [qPowG, p]),
    ]),
  ]);
  const dNeg = g.op('Mul', [
    g.scalar(-(1 - alpha)),
    g.op('Sub', [
      g.op('Mul', [g.scalar(gamma), g.op('Mul', [g.op('Pow', [p, gammaMinus1]), logQ])]),
      g.op('Div', [pPowG, q]),
    ]),
  ]);
  const dP = g.op('Where', [isPositive, dPos, dNeg]);
  const inRange = g.op('And', [g.op('GreaterOrEqual', [s, lo]), g.op('LessOrEqual', [s, hi])]);
  const passMask = g.op('Cast', [inRange], { to: floatType(g.float) });
  const dSigmoid = g.op('Mul', [s, g.op('Sub', [one, s])]);
  const dLogit = g.op('Mul', [g.op('Mul', [g.op('Mul', [dP, passMask]), dSigmoid]), inverseBatch(g, logit)]);
  return { loss: batchMean(g, perSample), dLogit };
}
