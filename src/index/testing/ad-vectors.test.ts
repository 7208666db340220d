// The vector generator: deterministic for a seed, finite, clustered by category, with varying norms.
import { describe, expect, it } from 'vitest';
import { makeVectorWorld } from './ad-vectors.js';

const spec = { ads: 4000, queries: 50, dim: 32, clusters: 20, seed: 9 };

function norm(m: Float32Array, row: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += m[row * dim + j] ** 2;
  return Math.sqrt(s);
}

function cosine(m: Float32Array, a: number, b: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += m[a * dim + j] * m[b * dim + j];
  return s / (norm(m, a, dim) * norm(m, b, dim));
}

describe('makeVectorWorld', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = makeVectorWorld(spec);
    expect(makeVectorWorld(spec).ads).toEqual(a.ads);
    expect(makeVectorWorld(spec).queries).toEqual(a.queries);
    expect(makeVectorWorld({ ...spec, seed: 10 }).ads).not.toEqual(a.ads);
    expect(a.ads.length).toBe(4000 * 32);
    expect(a.queries.length).toBe(50 * 32);
    expect(a.ads.every(Number.isFinite) && a.queries.every(Number.isFinite)).toBe(true);
  });

  it('clusters ads by category, with uneven category sizes and log-normal norms', () => {
    const { ads, clusterOf } = makeVectorWorld(spec);
    let same = 0, sameCount = 0, other = 0, otherCount = 0;
    for (let i = 0; i + 1 < 4000; i += 2) {
      const c = cosine(ads, i, i + 1, 32);
      if (clusterOf[i] === clusterOf[i + 1]) (same += c), sameCount++;
      else (other += c), otherCount++;
    }
    expect(same / sameCount).toBeGreaterThan(other / otherCount + 0.2);
    const sizes = new Int32Array(20);
    for (const c of clusterOf) sizes[c]++;
    expect(sizes[0]).toBeGreaterThan(3 * sizes[19]);
    const norms = Array.from({ length: 4000 }, (_, i) => norm(ads, i, 32)).sort((x, y) => x - y);
    expect(norms[3959] / norms[40]).toBeGreaterThan(5); // 99th over 1st percentile: e^(0.5·2·2.33) ≈ 10
  });
});
