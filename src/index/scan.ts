// The inner-product scan every index shares: rows of a (N, D) matrix scored against one query, four rows at a
// time. Each row's sum runs over j = 0..D-1 in order, exactly like `dot` below, so the blocked scan and the
// plain reference give bit-identical float32 scores; the four independent sums only hide the add latency.
//
// Legend: N rows, D dim, Q queries.

import type { TopKHeap } from './top-k.js';

/** Plain inner product of row `row` of `matrix` (N, D) with `query` (D), rounded to float32. */
export function dot(matrix: Float32Array, row: number, query: Float32Array, dim: number): number {
  let s = 0;
  const o = row * dim;
  for (let j = 0; j < dim; j++) s += query[j] * matrix[o + j];
  return Math.fround(s);
}

/**
 * Offer rows from..to-1 of `matrix` (N, D) to `heap`, scored against `query` (D). A candidate's catalogue row
 * is `rowIds[position]`, or its position when `rowIds` is null.
 */
export function scanRows(
  matrix: Float32Array,
  dim: number,
  query: Float32Array,
  from: number,
  to: number,
  rowIds: Int32Array | null,
  heap: TopKHeap,
): void {
  let i = from;
  let threshold = heap.threshold;
  for (; i + 4 <= to; i += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const o0 = i * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
    for (let j = 0; j < dim; j++) {
      const w = query[j];
      s0 += w * matrix[o0 + j];
      s1 += w * matrix[o1 + j];
      s2 += w * matrix[o2 + j];
      s3 += w * matrix[o3 + j];
    }
    const f0 = Math.fround(s0), f1 = Math.fround(s1), f2 = Math.fround(s2), f3 = Math.fround(s3);
    // ">= threshold" lets equal scores through: the heap breaks ties by row
    if (f0 >= threshold) { heap.push(f0, rowIds === null ? i : rowIds[i]); threshold = heap.threshold; }
    if (f1 >= threshold) { heap.push(f1, rowIds === null ? i + 1 : rowIds[i + 1]); threshold = heap.threshold; }
    if (f2 >= threshold) { heap.push(f2, rowIds === null ? i + 2 : rowIds[i + 2]); threshold = heap.threshold; }
    if (f3 >= threshold) { heap.push(f3, rowIds === null ? i + 3 : rowIds[i + 3]); threshold = heap.threshold; }
  }
  for (; i < to; i++) {
    const f = dot(matrix, i, query, dim);
    if (f >= threshold) { heap.push(f, rowIds === null ? i : rowIds[i]); threshold = heap.threshold; }
  }
}

/** Position in from..to-1 of the row of `matrix` (N, D) with the highest inner product with `query`; the first on ties, -1 if empty. */
export function argmaxRow(matrix: Float32Array, dim: number, query: Float32Array, from: number, to: number): number {
  let best = -1;
  let bestScore = -Infinity;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const o0 = i * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
    for (let j = 0; j < dim; j++) {
      const w = query[j];
      s0 += w * matrix[o0 + j];
      s1 += w * matrix[o1 + j];
      s2 += w * matrix[o2 + j];
      s3 += w * matrix[o3 + j];
    }
    if (s0 > bestScore) { bestScore = s0; best = i; }
    if (s1 > bestScore) { bestScore = s1; best = i + 1; }
    if (s2 > bestScore) { bestScore = s2; best = i + 2; }
    if (s3 > bestScore) { bestScore = s3; best = i + 3; }
  }
  for (; i < to; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += query[j] * matrix[i * dim + j];
    if (s > bestScore) { bestScore = s; best = i; }
  }
  return best;
}
