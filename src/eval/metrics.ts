// Offline metrics of a binary classifier's probabilities: ROC-AUC (tie-aware), log loss, normalized entropy,
// expected calibration error (equal-width and equal-mass bins), calibration ratio, GAUC, and the points of the ROC
// curve and the reliability diagram. Sums over millions of rows are accumulated in float64. A NaN or infinite
// score is an error, never a silently wrong number.
// Legend: N rows, G groups (users), B bins.
import { AdrankError } from '../core/errors.js';

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Refuses scores that are not finite numbers, naming the first; `what` says whose scores they are. */
export function checkScores(scores: ArrayLike<number>, labels: ArrayLike<number>, what = 'scores'): void {
  if (scores.length !== labels.length) {
    throw new AdrankError('BAD_ARGUMENT', `${what}: ${scores.length} scores for ${labels.length} labels`, { hint: 'pass one score per labelled row' });
  }
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new AdrankError('BAD_ARGUMENT', `${what}: row ${i + 1} has score ${scores[i]}`, {
        location: { row: i + 1, value: String(scores[i]) },
        hint: 'metrics need finite scores; a NaN usually means the model diverged or an input was not finite',
      });
    }
  }
}

/** Mean binary cross-entropy of probabilities against 0/1 labels (probabilities clamped to [1e-15, 1 − 1e-15]). */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkScores(probs, labels, 'log loss');
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probs[i]));
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return sum / probs.length;
}

/**
 * Normalized entropy (He et al. 2014, "Practical Lessons from Predicting Clicks on Ads at Facebook"): log loss
 * divided by the entropy of the base rate, so 1 is no better than predicting the average CTR. NaN without both classes.
 */
export function normalizedEntropy(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  const rate = mean(labels);
  if (rate <= 0 || rate >= 1) return NaN;
  const base = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
  return logLoss(probs, labels) / base;
}

/** Σp / Σy: 1 when the predictions add up to the observed positives. */
export function calibrationRatio(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkScores(probs, labels, 'calibration ratio');
  let p = 0;
  let y = 0;
  for (let i = 0; i < probs.length; i++) {
    p += probs[i];
    y += labels[i];
  }
  return y > 0 ? p / y : NaN;
}

/** Row order by ascending score (ties in row order). */
function ascending(scores: ArrayLike<number>): Int32Array {
  const order = new Int32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[a] - scores[b] || a - b);
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative, ties
 * counting one half (the Mann–Whitney U statistic with average ranks). NaN when a class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkScores(scores, labels, 'ROC-AUC');
  const n = scores.length;
  const order = ascending(scores);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start..end-1, 1-based
    for (let k = start; k < end; k++) {
      if (labels[order[k]]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The ROC curve as (fpr, tpr) points, one per distinct score (thinned to at most `maxPoints`), from (0,0) to (1,1). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, maxPoints = 200): { fpr: number[]; tpr: number[] } {
  checkScores(scores, labels, 'ROC curve');
  const order = ascending(scores).reverse();
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] ? 1 : 0;
  const negatives = labels.length - positives;
  const fpr = [0];
  const tpr = [0];
  if (positives === 0 || negatives === 0) return { fpr: [0, 1], tpr: [0, 1] };
  let tp = 0;
  let fp = 0;
  const every = Math.max(1, Math.floor(order.length / maxPoints));
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]]) tp++;
    else fp++;
    const tieNext = k + 1 < order.length && scores[order[k + 1]] === scores[order[k]];
    if (!tieNext && (k % every === 0 || k === order.length - 1)) {
      fpr.push(fp / negatives);
      tpr.push(tp / positives);
    }
  }
  return { fpr, tpr };
}

export interface ReliabilityBin {
  /** mean predicted probability of the bin's rows */
  meanPredicted: number;
  /** observed positive rate of the bin's rows */
  observedRate: number;
  count: number;
}

/**
 * Rows binned by predicted probability: 'width' — B equal-width bins over [0, 1] (empty bins left out); 'mass' —
 * B bins of (nearly) equal row counts in score order, so a 3% CTR does not put everything in the first bin.
 */
export function reliabilityBins(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 15, kind: 'width' | 'mass' = 'width'): ReliabilityBin[] {
  checkScores(probs, labels, 'reliability');
  const n = probs.length;
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  if (kind === 'width') {
    for (let i = 0; i < n; i++) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor(probs[i] * bins)));
      sumP[b] += probs[i];
      sumY[b] += labels[i];
      count[b]++;
    }
  } else {
    const order = ascending(probs);
    for (let k = 0; k < n; k++) {
      const b = Math.min(bins - 1, Math.floor((k * bins) / n));
      sumP[b] += probs[order[k]];
      sumY[b] += labels[order[k]];
      count[b]++;
    }
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) out.push({ meanPredicted: sumP[b] / count[b], observedRate: sumY[b] / count[b], count: count[b] });
  }
  return out;
}

/** Expected calibration error: Σ_bins (count/N)·|mean predicted − observed rate| (Naeini et al. 2015). */
export function expectedCalibrationError(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 15, kind: 'width' | 'mass' = 'width'): number {
  let total = 0;
  let error = 0;
  for (const bin of reliabilityBins(probs, labels, bins, kind)) {
    total += bin.count;
    error += bin.count * Math.abs(bin.meanPredicted - bin.observedRate);
  }
  return total > 0 ? error / total : NaN;
}

/**
 * Group AUC (Zhou et al. 2018, "Deep Interest Network"): the AUC within each group (user), averaged with impression
 * weights over the groups that have both classes. Returns the value and the share of rows it covers.
 */
export function groupAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, groups: ArrayLike<number>): { gauc: number; coveredRows: number } {
  checkScores(scores, labels, 'GAUC');
  const n = scores.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => groups[a] - groups[b] || a - b);
  let weighted = 0;
  let weight = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && groups[order[end]] === groups[order[start]]) end++;
    const rows = order.subarray(start, end);
    const s = Array.from(rows, (i) => scores[i]);
    const y = Array.from(rows, (i) => labels[i]);
    const auc = rocAuc(s, y);
    if (!Number.isNaN(auc)) {
      weighted += auc * rows.length;
      weight += rows.length;
    }
    start = end;
  }
  return { gauc: weight > 0 ? weighted / weight : NaN, coveredRows: weight / Math.max(1, n) };
}

/** The usual summary of probabilities against labels. */
export interface BinaryMetrics {
  rows: number;
  positives: number;
  auc: number;
  logLoss: number;
  normalizedEntropy: number;
  ece: number;
  eceEqualMass: number;
  calibrationRatio: number;
  meanPrediction: number;
  observedRate: number;
  gauc?: number;
}

export function binaryMetrics(probs: ArrayLike<number>, labels: ArrayLike<number>, groups?: ArrayLike<number>): BinaryMetrics {
  const metrics: BinaryMetrics = {
    rows: probs.length,
    positives: Math.round(mean(labels) * probs.length),
    auc: rocAuc(probs, labels),
    logLoss: logLoss(probs, labels),
    normalizedEntropy: normalizedEntropy(probs, labels),
    ece: expectedCalibrationError(probs, labels, 15, 'width'),
    eceEqualMass: expectedCalibrationError(probs, labels, 15, 'mass'),
    calibrationRatio: calibrationRatio(probs, labels),
    meanPrediction: mean(probs),
    observedRate: mean(labels),
  };
  if (groups) metrics.gauc = groupAuc(probs, labels, groups).gauc;
  return metrics;
}
