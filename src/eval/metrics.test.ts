import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { AdrankError, isAdrankError } from '../core/errors.js';
import { calibrationRatio, expectedCalibrationError, groupAuc, logLoss, normalizedEntropy, reliabilityBins, rocAuc, rocCurve } from './metrics.js';

/** The definition, pair by pair. */
function naiveAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((sp, p) => {
    if (!labels[p]) return;
    scores.forEach((sn, q) => {
      if (labels[q]) return;
      pairs++;
      wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('rocAuc', () => {
  it('equals the pairwise definition, ties included', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + rng.int(200);
      const scores = Array.from({ length: n }, () => Math.round(rng.next() * 20) / 20); // many ties
      const labels = scores.map((s) => (rng.next() < 0.2 + 0.6 * s ? 1 : 0));
      expect(rocAuc(scores, labels)).toBeCloseTo(naiveAuc(scores, labels), 12);
    }
  });

  it('is 1 for a perfect ranking, 0.5 for a constant one, NaN without both classes', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 0])).toBe(0.5);
    expect(rocAuc([0.3, 0.4], [1, 1])).toBeNaN();
  });
});

describe('logLoss', () => {
  it('is the mean binary cross-entropy and stays finite at 0 and 1', () => {
    expect(logLoss([0.8, 0.3], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true);
  });
});

describe('refusing non-finite scores', () => {
  it('AUC, log loss and ECE name the first NaN or infinite score instead of answering', () => {
    const labels = [0, 1, 0, 1];
    for (const bad of [Number.NaN, Infinity]) {
      const scores = [0.1, 0.9, bad, 0.4];
      for (const metric of [rocAuc, logLoss, expectedCalibrationError, calibrationRatio]) {
        let error: unknown;
        try {
          metric(scores, labels);
        } catch (e) {
          error = e;
        }
        expect(isAdrankError(error) && error.code, metric.name).toBe('BAD_ARGUMENT');
        expect((error as AdrankError).location.row).toBe(3);
      }
    }
  });
});

describe('calibration metrics', () => {
  const rng = new Rng(9);
  const n = 5000;
  const probs = Array.from({ length: n }, () => rng.next() * 0.2);
  const labels: number[] = probs.map((p) => (rng.next() < p ? 1 : 0));

  it('ECE with equal-width bins equals its definition bin by bin', () => {
    const naive = (bins: number): number => {
      let err = 0;
      for (let b = 0; b < bins; b++) {
        const rows = probs.map((p, i) => [p, labels[i]]).filter(([p]) => Math.min(bins - 1, Math.floor(p * bins)) === b);
        if (!rows.length) continue;
        const mp = rows.reduce((s, r) => s + r[0], 0) / rows.length;
        const my = rows.reduce((s, r) => s + r[1], 0) / rows.length;
        err += (rows.length / n) * Math.abs(mp - my);
      }
      return err;
    };
    expect(expectedCalibrationError(probs, labels, 15, 'width')).toBeCloseTo(naive(15), 12);
    const bins = reliabilityBins(probs, labels, 10, 'mass');
    expect(bins).toHaveLength(10);
    expect(bins.every((b) => b.count === n / 10)).toBe(true);
    // a constant shift shows up in the ratio and the ECE
    const doubled = probs.map((p) => 2 * p);
    expect(calibrationRatio(doubled, labels)).toBeCloseTo(2 * calibrationRatio(probs, labels), 12);
    expect(expectedCalibrationError(doubled, labels)).toBeGreaterThan(expectedCalibrationError(probs, labels) + 0.03);
  });

  it('normalized entropy is 1 for the base rate and below 1 for an informative model', () => {
    const rate = labels.reduce((s, y) => s + y, 0) / n;
    expect(normalizedEntropy(labels.map(() => rate), labels)).toBeCloseTo(1, 12);
    expect(normalizedEntropy(probs, labels)).toBeLessThan(1);
  });

  it('GAUC is the impression-weighted mean of per-group AUCs over groups with both classes', () => {
    const groups = probs.map((_, i) => i % 7);
    const expected = (() => {
      let num = 0;
      let den = 0;
      for (let g = 0; g < 7; g++) {
        const idx = groups.map((x, i) => (x === g ? i : -1)).filter((i) => i >= 0);
        const auc = naiveAuc(idx.map((i) => probs[i]), idx.map((i) => labels[i]));
        num += auc * idx.length;
        den += idx.length;
      }
      return num / den;
    })();
    expect(groupAuc(probs, labels, groups).gauc).toBeCloseTo(expected, 12);
  });

  it('the ROC curve runs from (0,0) to (1,1) and its area matches the AUC', () => {
    const { fpr, tpr } = rocCurve(probs, labels, 100_000);
    expect([fpr[0], tpr[0], fpr[fpr.length - 1], tpr[tpr.length - 1]]).toEqual([0, 0, 1, 1]);
    let area = 0;
    for (let k = 1; k < fpr.length; k++) area += ((fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1])) / 2;
    expect(area).toBeCloseTo(rocAuc(probs, labels), 9);
  });
});
