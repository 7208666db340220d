// TopKHeap, the blocked scan and the blocked argmax against plain references: a full sort, the one-row dot product.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { argmaxRow, dot, scanRows } from './scan.js';
import { TopKHeap } from './top-k.js';

function sortedReference(scores: Float32Array, rows: Int32Array, k: number): { rows: number[]; scores: number[] } {
  const order = Array.from(rows.keys()).sort((a, b) => scores[b] - scores[a] || rows[a] - rows[b]);
  const kept = order.slice(0, k);
  return { rows: kept.map((i) => rows[i]), scores: kept.map((i) => scores[i]) };
}

describe('TopKHeap', () => {
  it('keeps the k best of a stream, ties by row, in any arrival order', () => {
    const rng = new Rng(1);
    const heap = new TopKHeap(2);
    for (const [n, k, levels] of [[1, 1, 0], [10, 3, 0], [100, 100, 5], [1000, 37, 4], [5000, 1000, 0], [50, 80, 0]]) {
      // levels > 0: only that many distinct scores, so most are tied
      const scores = Float32Array.from({ length: n }, () => (levels > 0 ? rng.int(levels) : rng.normal()));
      const rows = rng.permutation(n);
      heap.reset(Math.min(k, n));
      for (let i = 0; i < n; i++) heap.push(scores[i], rows[i]);
      const top = heap.finish();
      const want = sortedReference(scores, rows, k);
      expect(Array.from(top.rows)).toEqual(want.rows);
      expect(Array.from(top.scores)).toEqual(want.scores);
    }
  });

  it('starts over on reset and reports its threshold once full', () => {
    const heap = new TopKHeap();
    heap.reset(2);
    heap.push(1, 0);
    expect(heap.threshold).toBe(-Infinity);
    heap.push(3, 1);
    heap.push(2, 2);
    expect(heap.threshold).toBe(2);
    expect(Array.from(heap.finish().rows)).toEqual([1, 2]);
    heap.reset(1);
    heap.push(-5, 9);
    expect(Array.from(heap.finish().rows)).toEqual([9]);
  });
});

describe('scanRows', () => {
  it('scores every row exactly as the one-row dot product, for any length and dimension', () => {
    const rng = new Rng(2);
    for (const [n, dim] of [[1, 1], [3, 5], [4, 4], [9, 64], [130, 33]]) {
      const matrix = Float32Array.from({ length: n * dim }, () => rng.normal());
      const query = Float32Array.from({ length: dim }, () => rng.normal());
      const heap = new TopKHeap();
      heap.reset(n);
      scanRows(matrix, dim, query, 0, n, null, heap);
      const top = heap.finish();
      expect(new Set(top.rows).size).toBe(n);
      for (let i = 0; i < n; i++) {
        const want = dot(matrix, top.rows[i], query, dim);
        expect(top.scores[i]).toBe(want);
      }
    }
  });

  it('reports rows through the id map, and scans only the given range', () => {
    const matrix = Float32Array.from([1, 5, 3, 4, 2, 6]); // 6 rows of dim 1
    const ids = Int32Array.from([60, 50, 40, 30, 20, 10]);
    const heap = new TopKHeap();
    heap.reset(3);
    scanRows(matrix, 1, Float32Array.of(1), 1, 5, ids, heap);
    const top = heap.finish();
    expect(Array.from(top.rows)).toEqual([50, 30, 40]);
    expect(Array.from(top.scores)).toEqual([5, 4, 3]);
  });
});

describe('argmaxRow', () => {
  it('finds the first row of highest score in a range, as a loop over the one-row dot product does', () => {
    const rng = new Rng(3);
    for (const [n, dim] of [[1, 1], [5, 3], [8, 4], [131, 17]]) {
      const matrix = Float32Array.from({ length: n * dim }, () => rng.normal());
      const query = Float32Array.from({ length: dim }, () => rng.normal());
      for (const [from, to] of [[0, n], [Math.floor(n / 3), n], [0, Math.ceil(n / 2)]]) {
        let want = -1;
        for (let i = from; i < to; i++) if (want < 0 || dot(matrix, i, query, dim) > dot(matrix, want, query, dim)) want = i;
        expect(argmaxRow(matrix, dim, query, from, to)).toBe(want);
      }
      expect(argmaxRow(matrix, dim, query, 2, 2)).toBe(-1);
    }
    const tied = Float32Array.from([1, 3, 2, 3, 3]);
    expect(argmaxRow(tied, 1, Float32Array.of(1), 0, 5)).toBe(1);
  });
});
