// The plain reference every index is checked against: score every row, sort them all, keep the first k.
//
// Legend: N rows, D dim, K top-k.
import { dot } from './scan.js';
import type { TopK } from './top-k.js';

/** Exact top-k of `vectors` (N, D) against `query` (D) by a full sort (score descending, row ascending). */
export function referenceTopK(vectors: Float32Array, dim: number, query: Float32Array, k: number): TopK {
  const n = vectors.length / dim;
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = dot(vectors, i, query, dim);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const count = Math.min(k, n);
  const rows = Int32Array.from(order.slice(0, count));
  return { rows, scores: Float32Array.from(rows, (r) => scores[r]), count };
}

/** Share of the reference's rows that `found` contains (recall@k); 1 when the reference is empty. */
export function recallAt(found: TopK, reference: TopK): number {
  if (reference.count === 0) return 1;
  const want = new Set(reference.rows);
  let hit = 0;
  for (let i = 0; i < found.count; i++) if (want.has(found.rows[i])) hit++;
  return hit / reference.count;
}
