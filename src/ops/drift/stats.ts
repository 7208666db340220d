// The statistics of drift monitoring: the population stability index (PSI) and the Jensen–Shannon distance
// between a reference distribution (training) and a current one, over shared bins — quantile bins of the
// reference for numerical features, values (with "other" and OOV) for categorical ones.
// Legend: B bins, N values.

/** Floor of a bin's share in PSI: an empty bin would make ln(a/e) infinite (the usual 1e-4). */
export const PSI_EPSILON = 1e-4;

/** Counts (B) → shares (B) summing to 1 (all zero for no rows). */
export function shares(counts: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return Float64Array.from(counts as ArrayLike<number>, (c) => (total > 0 ? c / total : 0));
}

/** PSI = Σ (a − e) · ln(a / e) over bins, shares floored at PSI_EPSILON. 0.1 and 0.25 are the usual warn and alert levels. */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  for (let b = 0; b < expected.length; b++) {
    const e = Math.max(PSI_EPSILON, expected[b]);
    const a = Math.max(PSI_EPSILON, actual[b]);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Jensen–Shannon distance: the square root of the JS divergence in bits, in [0, 1]. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let divergence = 0;
  for (let b = 0; b < p.length; b++) {
    const m = (p[b] + q[b]) / 2;
    if (p[b] > 0) divergence += 0.5 * p[b] * Math.log2(p[b] / m);
    if (q[b] > 0) divergence += 0.5 * q[b] * Math.log2(q[b] / m);
  }
  return Math.sqrt(Math.max(0, Math.min(1, divergence)));
}

/**
 * Inner edges of up to `bins` quantile bins of `values` (N): the distinct (k/bins)-quantiles, so point masses (a
 * CTR fallback, a 0/1 flag) make fewer, wider bins instead of empty ones. Bin b holds edges[b-1] < x ≤ edges[b].
 */
export function quantileEdges(values: Float32Array | Float64Array, bins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / bins))];
    if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
  }
  if (edges.length && edges[edges.length - 1] >= sorted[sorted.length - 1]) edges.pop(); // the top bin would be empty
  return edges;
}

/** The bin of `x` among `edges` (binary search): the first b with x ≤ edges[b], or edges.length. */
export function binIndex(x: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Counts (edges.length + 1) of `values` in the bins of `edges`. */
export function binCounts(values: ArrayLike<number>, edges: readonly number[]): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) counts[binIndex(values[i], edges)]++;
  return counts;
}

/** The reference loop of binCounts: each value against every edge in turn. */
export function binCountsReference(values: ArrayLike<number>, edges: readonly number[]): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) {
    let b = 0;
    while (b < edges.length && values[i] > edges[b]) b++;
    counts[b]++;
  }
  return counts;
}

export type DriftStatus = 'ok' | 'warn' | 'alert';

export function statusOf(value: number, warn: number, alert: number): DriftStatus {
  return value >= alert ? 'alert' : value >= warn ? 'warn' : 'ok';
}
