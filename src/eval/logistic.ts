// Logistic regression on hashed one-hot features and their crosses — the baseline an ads engineer trains first.
// Each row is F hashed feature indices (the hashing trick, Weinberger et al. 2009) plus optional dense values;
// training is per-coordinate Adagrad with L2 applied to the touched weights, seeded shuffling, and early
// stopping on validation log loss (the best epoch's weights are kept).
// Legend: N rows, F hashed features per row, M dense features, H hash buckets.
import { Rng } from '../core/rng.js';

export interface HashedRows {
  n: number;
  /** (N, F) bucket indices in [0, H) */
  features: Uint32Array;
  width: number;
  /** (N, M) dense values, or empty */
  dense: Float32Array;
  denseWidth: number;
  labels: Float32Array; // (N)
}

export interface LogisticModel {
  buckets: number;
  weights: Float32Array; // (H)
  denseWeights: Float32Array; // (M)
  bias: number;
}

export interface LogisticOptions {
  buckets: number;
  epochs: number;
  lr: number;
  l2: number;
  seed: number;
}

export const DEFAULT_LOGISTIC: Omit<LogisticOptions, 'seed'> = { buckets: 1 << 22, epochs: 4, lr: 0.05, l2: 1e-6 };

function logit(model: LogisticModel, rows: HashedRows, i: number): number {
  let z = model.bias;
  const base = i * rows.width;
  for (let f = 0; f < rows.width; f++) z += model.weights[rows.features[base + f]];
  const dBase = i * rows.denseWidth;
  for (let m = 0; m < rows.denseWidth; m++) z += model.denseWeights[m] * rows.dense[dBase + m];
  return z;
}

/** Logits (N) of rows under a model. */
export function logisticLogits(model: LogisticModel, rows: HashedRows): Float32Array {
  const out = new Float32Array(rows.n);
  for (let i = 0; i < rows.n; i++) out[i] = logit(model, rows, i);
  return out;
}

function meanLogLoss(model: LogisticModel, rows: HashedRows): number {
  let sum = 0;
  for (let i = 0; i < rows.n; i++) {
    const z = logit(model, rows, i);
    sum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - rows.labels[i] * z;
  }
  return sum / Math.max(1, rows.n);
}

export function trainLogistic(train: HashedRows, valid: HashedRows | null, options: LogisticOptions): { model: LogisticModel; epochs: { trainLoss: number; validLoss: number | null }[]; bestEpoch: number } {
  const { buckets, lr, l2 } = options;
  let rate = 0;
  for (let i = 0; i < train.n; i++) rate += train.labels[i];
  rate = Math.min(1 - 1e-6, Math.max(1e-6, rate / Math.max(1, train.n)));
  const model: LogisticModel = { buckets, weights: new Float32Array(buckets), denseWeights: new Float32Array(train.denseWidth), bias: Math.log(rate / (1 - rate)) };
  const squares = new Float32Array(buckets).fill(1e-8);
  const denseSquares = new Float64Array(train.denseWidth).fill(1e-8);
  let biasSquares = 1e-8;
  const rng = new Rng(options.seed).fork('logistic');
  const epochs: { trainLoss: number; validLoss: number | null }[] = [];
  let best: { loss: number; weights: Float32Array; dense: Float32Array; bias: number } | null = null;
  let bestEpoch = -1;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = rng.fork(`epoch:${epoch}`).permutation(train.n);
    let lossSum = 0;
    for (let k = 0; k < train.n; k++) {
      const i = order[k];
      const z = logit(model, train, i);
      const p = 1 / (1 + Math.exp(-z));
      const g = p - train.labels[i];
      lossSum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - train.labels[i] * z;
      const base = i * train.width;
      for (let f = 0; f < train.width; f++) {
        const j = train.features[base + f];
        const gj = g + l2 * model.weights[j];
        squares[j] += gj * gj;
        model.weights[j] -= (lr * gj) / Math.sqrt(squares[j]);
      }
      const dBase = i * train.denseWidth;
      for (let m = 0; m < train.denseWidth; m++) {
        const gm = g * train.dense[dBase + m];
        denseSquares[m] += gm * gm;
        model.denseWeights[m] -= (lr * gm) / Math.sqrt(denseSquares[m]);
      }
      biasSquares += g * g;
      model.bias -= (lr * g) / Math.sqrt(biasSquares);
    }
    const validLoss = valid && valid.n > 0 ? meanLogLoss(model, valid) : null;
    epochs.push({ trainLoss: lossSum / Math.max(1, train.n), validLoss });
    if (validLoss === null) continue;
    if (best === null || validLoss < best.loss) {
      best = { loss: validLoss, weights: model.weights.slice(), dense: model.denseWeights.slice(), bias: model.bias };
      bestEpoch = epoch;
    } else break; // patience 1: the validation loss rose
  }
  if (best) {
    model.weights.set(best.weights);
    model.denseWeights.set(best.dense);
    model.bias = best.bias;
  }
  return { model, epochs, bestEpoch };
}

/** Bucket of a feature: its field tag and up to two values, mixed (MurmurHash3's finaliser on each step). */
export function featureBucket(tag: number, a: number, b: number, buckets: number): number {
  let h = Math.imul(tag ^ 0x9e3779b9, 0x85ebca6b);
  for (const v of [a, b]) {
    const lo = v >>> 0;
    const hi = Math.floor(v / 4294967296) >>> 0;
    h ^= Math.imul(lo, 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    h ^= Math.imul(hi, 0x1b873593);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) % buckets;
}
