import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { binCounts, binCountsReference, jensenShannon, psi, quantileEdges, shares, statusOf } from './stats.js';

describe('drift statistics', () => {
  it('computes PSI and the Jensen–Shannon distance by hand', () => {
    const e = [0.5, 0.5];
    const a = [0.8, 0.2];
    expect(psi(e, a)).toBeCloseTo(0.3 * Math.log(0.8 / 0.5) + -0.3 * Math.log(0.2 / 0.5), 12);
    expect(psi(e, e)).toBe(0);
    expect(jensenShannon(e, e)).toBe(0);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    const m = [0.65, 0.35];
    const kl = (p: number[]): number => p.reduce((s, x, i) => s + x * Math.log2(x / m[i]), 0);
    expect(jensenShannon(e, a)).toBeCloseTo(Math.sqrt(0.5 * kl(e) + 0.5 * kl(a)), 12);
    expect(psi([1, 0], [0.5, 0.5])).toBeLessThan(Infinity); // empty bins are floored, never infinite
  });

  it('bins by quantiles of the reference, merging point masses, and counts as the plain loop does', () => {
    const rng = new Rng(4);
    const values = Float64Array.from({ length: 10_000 }, () => (rng.next() < 0.4 ? 0 : rng.normal()));
    const edges = quantileEdges(values, 10);
    expect(edges.length).toBeLessThan(9); // the 40% point mass at 0 is one bin
    expect(new Set(edges).size).toBe(edges.length);
    const counts = binCounts(values, edges);
    expect(Array.from(counts)).toEqual(Array.from(binCountsReference(values, edges)));
    expect(counts.reduce((s, c) => s + c, 0)).toBe(10_000);
    const fresh = Float64Array.from({ length: 10_000 }, () => (rng.next() < 0.4 ? 0 : rng.normal()));
    expect(psi(shares(counts), shares(binCounts(fresh, edges)))).toBeLessThan(0.01);
    const shifted = Float64Array.from(fresh, (x) => x + 0.8);
    expect(psi(shares(counts), shares(binCounts(shifted, edges)))).toBeGreaterThan(0.25);
    expect(quantileEdges(new Float64Array(100).fill(3), 10)).toEqual([]);
  });

  it('maps values to statuses at the warn and alert levels', () => {
    expect([0.05, 0.1, 0.2, 0.25, 1].map((v) => statusOf(v, 0.1, 0.25))).toEqual(['ok', 'warn', 'warn', 'alert', 'alert']);
  });
});
