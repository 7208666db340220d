// Curves for the example report of a typical CTR run (fixture.ts): a sampled held-out log with known true click
// probabilities, a model's and a baseline's scores, and their empirical ROC and reliability curves.
// Shapes: N impressions; B reliability bins.
import type { Rng } from '../../core/rng.js';

export interface ScoredLog {
  /** (N) 0/1 clicks drawn from `truth` */
  labels: Float64Array;
  /** (N) true click probabilities */
  truth: Float64Array;
  /** (N) logits of a fair model and of a weaker baseline */
  modelLogit: Float64Array;
  baselineLogit: Float64Array;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** A held-out log at a CTR near 3.5%; the model over-predicts (as a focal-loss model does) until calibrated. */
export function sampleScoredLog(rng: Rng, n: number): ScoredLog {
  const log: ScoredLog = {
    labels: new Float64Array(n),
    truth: new Float64Array(n),
    modelLogit: new Float64Array(n),
    baselineLogit: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const z = -3.75 + 1.1 * rng.normal();
    log.truth[i] = sigmoid(z);
    log.labels[i] = rng.bernoulli(log.truth[i]) ? 1 : 0;
    log.modelLogit[i] = 1.3 + 0.8 * z + 0.6 * rng.normal();
    log.baselineLogit[i] = -1.2 + 0.55 * z + 0.8 * rng.normal();
  }
  return log;
}

/**
 * The empirical ROC curve through its corners: (FPR, TPR) from (0, 0) to (1, 1), ascending in FPR, one point per
 * distinct score, less the points inside a horizontal or vertical run (they add nothing to the line). A vertical
 * run leaves several points at one FPR, which the renderer must keep.
 */
export function rocCorners(scores: ArrayLike<number>, labels: ArrayLike<number>): { fpr: number[]; tpr: number[] } {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const negatives = n - positives;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    for (; end < n && scores[order[end]] === scores[order[start]]; end++) {
      if (labels[order[end]]) tp++;
      else fp++;
    }
    const x = fp / negatives;
    const y = tp / positives;
    const last = fpr.length - 1;
    const inRun = last > 0 && ((fpr[last - 1] === fpr[last] && fpr[last] === x) || (tpr[last - 1] === tpr[last] && tpr[last] === y));
    if (inRun) {
      fpr[last] = x;
      tpr[last] = y;
    } else {
      fpr.push(x);
      tpr.push(y);
    }
    start = end;
  }
  return { fpr, tpr };
}

/** Equal-count bins by predicted probability: mean prediction and observed click rate per bin. */
export function reliabilityBins(probs: ArrayLike<number>, labels: ArrayLike<number>, bins: number): { predicted: number[]; observed: number[] } {
  const n = probs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a] - probs[b]);
  const predicted: number[] = [];
  const observed: number[] = [];
  for (let b = 0; b < bins; b++) {
    const start = Math.floor((b * n) / bins);
    const end = Math.floor(((b + 1) * n) / bins);
    let sumP = 0;
    let clicks = 0;
    for (let k = start; k < end; k++) {
      sumP += probs[order[k]];
      clicks += labels[order[k]];
    }
    predicted.push(sumP / (end - start));
    observed.push(clicks / (end - start));
  }
  return { predicted, observed };
}
