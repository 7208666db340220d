// The ranker's partial selection equals the head of a full sort, ties broken the same way.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { topPositions } from './ranker.js';

describe('topPositions', () => {
  it('is the first m of the full sort, for any m, with many ties', () => {
    const rng = new Rng(5);
    for (const n of [1, 2, 7, 100, 1000]) {
      const score = Float64Array.from({ length: n }, () => Math.floor(rng.next() * 20)); // ties everywhere
      const row = Int32Array.from(rng.permutation(n));
      const before = (x: number, y: number): boolean => score[x] > score[y] || (score[x] === score[y] && row[x] < row[y]);
      const full = Array.from({ length: n }, (_, i) => i).sort((x, y) => score[y] - score[x] || row[x] - row[y]);
      for (const m of [1, 5, 36, n]) expect(Array.from(topPositions(n, Math.min(m, n), before)), `n ${n} m ${m}`).toEqual(full.slice(0, Math.min(m, n)));
    }
  });
});
