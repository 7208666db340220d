// The Platt fit against the exact optimum in ../shared/golden/platt.json (LBFGS in float64): a, b and the loss.
import { describe, expect, test } from 'vitest';
import { loadGolden } from '../src/engine/testing/golden.js';
import { calibrate, fitPlatt, plattLoss } from '../src/train/platt.js';
import { isAdrankError } from '../src/core/errors.js';

interface PlattGolden {
  logits: number[];
  labels: number[];
  a: number;
  b: number;
  loss: number;
}

const golden = loadGolden<PlattGolden>('platt.json');

describe('Platt scaling', () => {
  test('reproduces the golden a, b and loss to 1e-6', () => {
    const fit = fitPlatt(golden.logits, golden.labels);
    expect(Math.abs(fit.a - golden.a)).toBeLessThan(1e-6);
    expect(Math.abs(fit.b - golden.b)).toBeLessThan(1e-6);
    expect(Math.abs(fit.loss - golden.loss)).toBeLessThan(1e-6);
    expect(fit.loss).toBeLessThanOrEqual(plattLoss(golden.logits, golden.labels, golden.a, golden.b) + 1e-15);
    if (process.env.ADRANK_REPORT_GOLDEN) {
      process.stderr.write(`platt: |Δa| ${Math.abs(fit.a - golden.a).toExponential(2)}, |Δb| ${Math.abs(fit.b - golden.b).toExponential(2)}, |Δloss| ${Math.abs(fit.loss - golden.loss).toExponential(2)} in ${fit.iterations} iterations\n`);
    }
  });

  test('calibrated probabilities average to the label rate at the optimum', () => {
    const fit = fitPlatt(golden.logits, golden.labels);
    const meanProb = golden.logits.reduce((s, x) => s + calibrate(fit, x), 0) / golden.logits.length;
    const rate = golden.labels.reduce((s, y) => s + y, 0) / golden.labels.length;
    expect(meanProb).toBeCloseTo(rate, 9); // ∂loss/∂b = mean(p − y) = 0
  });

  test('one-class labels are an input error; on separable data the prior correction keeps a moderate', () => {
    const error = (() => {
      try {
        fitPlatt([0.1, 0.2], [1, 1]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isAdrankError(error) && error.code).toBe('BAD_ARGUMENT');
    // separable: the loss only approaches 0 as a grows; Newton stops where the gradient underflows
    const plain = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(plain.loss).toBeLessThan(1e-9);
    const corrected = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1], { priorCorrection: true });
    expect(corrected.a).toBeGreaterThan(0);
    expect(corrected.a).toBeLessThan(plain.a / 5);
  });
});
