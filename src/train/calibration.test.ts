import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { applyCalibrator, fitCalibrator } from './calibration.js';
import { fitPlatt } from './platt.js';

describe('fitCalibrator', () => {
  it('stays finite on a few separable rows, where the plain Platt fit runs away', () => {
    const logits = [-3, -2.5, -2, -1.5, -1, -0.5, 0.5, 1];
    const labels = [0, 0, 0, 0, 0, 0, 1, 1];
    expect(Math.abs(fitPlatt(logits, labels).a)).toBeGreaterThan(20);
    const c = fitCalibrator('platt', logits, labels);
    expect(c.kind).toBe('platt');
    if (c.kind !== 'platt') return;
    expect(c.a).toBeGreaterThan(0);
    expect(c.a).toBeLessThan(20);
    for (const x of logits) expect(applyCalibrator(c, x)).toBeGreaterThan(0);
  });

  it('keeps the model order and fits the intercept when the held-out rows suggest a negative slope', () => {
    const rng = new Rng(2);
    const logits = Array.from({ length: 40 }, () => rng.normal() - 3);
    // the two positives sit at the lowest logits: the unconstrained fit turns the model upside down
    const order = logits.map((_, i) => i).sort((i, j) => logits[i] - logits[j]);
    const labels = logits.map(() => 0);
    labels[order[0]] = 1;
    labels[order[1]] = 1;
    expect(fitPlatt(logits, labels, { priorCorrection: true }).a).toBeLessThan(0);
    const c = fitCalibrator('platt', logits, labels);
    if (c.kind !== 'platt') throw new Error('expected Platt');
    expect(c.a).toBe(1);
    // the intercept makes the mean prediction equal the mean of Platt's targets (3/4·2 + 1/40·38)/40
    const mean = logits.reduce((s, x) => s + applyCalibrator(c, x), 0) / logits.length;
    expect(mean).toBeCloseTo((0.75 * 2 + (1 / 40) * 38) / 40, 9);
    // and higher logits still get higher probabilities
    expect(applyCalibrator(c, -1)).toBeGreaterThan(applyCalibrator(c, -2));
  });

  it('is within 0.5% of the plain Platt fit on a large two-class set, and its mean prediction within 0.5% of the click rate', () => {
    const rng = new Rng(5);
    const logits = Array.from({ length: 20_000 }, () => rng.normal() - 3);
    const labels = logits.map((x) => (rng.next() < 1 / (1 + Math.exp(-(0.8 * x - 0.5))) ? 1 : 0));
    const plain = fitPlatt(logits, labels);
    const c = fitCalibrator('platt', logits, labels);
    if (c.kind !== 'platt') throw new Error('expected Platt');
    expect(Math.abs(c.a - plain.a) / plain.a).toBeLessThan(5e-3);
    expect(Math.abs(c.b - plain.b) / Math.abs(plain.b)).toBeLessThan(5e-3);
    const mean = logits.reduce((s, x) => s + applyCalibrator(c, x), 0) / logits.length;
    const rate = labels.reduce((s: number, y) => s + y, 0) / labels.length;
    expect(Math.abs(mean / rate - 1)).toBeLessThan(5e-3);
  });
});
