import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { logLoss, rocAuc } from './metrics.js';

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
