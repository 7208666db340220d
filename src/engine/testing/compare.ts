// Numeric comparison for tests against a reference: each element must be within a relative tolerance of the
// expected value, or within an absolute tolerance where the expected value is near zero.

export interface Tolerance {
  rel: number;
  abs: number;
}

export interface Comparison {
  ok: boolean;
  /** largest |a−e|/|e| over elements whose |e| is above the absolute floor */
  maxRel: number;
  maxAbs: number;
  /** largest error as a fraction of its allowance max(abs, rel·|e|): ≤ 1 passes */
  budgetUsed: number;
  worst: number;
  message: string;
}

export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label = ''): Comparison {
  if (actual.length !== expected.length) {
    return { ok: false, maxRel: Infinity, maxAbs: Infinity, budgetUsed: Infinity, worst: -1, message: `${label}: length ${actual.length} ≠ ${expected.length}` };
  }
  let maxRel = 0;
  let maxAbs = 0;
  let budgetUsed = 0;
  let worst = -1;
  let ok = true;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const scale = Math.abs(expected[i]);
    if (!(err <= tol.abs || err <= tol.rel * scale)) {
      if (ok) worst = i;
      ok = false;
    }
    maxAbs = Math.max(maxAbs, err);
    budgetUsed = Math.max(budgetUsed, err / Math.max(tol.abs, tol.rel * scale));
    if (scale > tol.abs) maxRel = Math.max(maxRel, err / scale);
  }
  const message = ok
    ? `${label}: ok (max rel ${maxRel.toExponential(2)}, max abs ${maxAbs.toExponential(2)}, ${(100 * budgetUsed).toFixed(0)}% of tolerance)`
    : `${label}: element ${worst}: ${actual[worst]} vs ${expected[worst]} (max rel ${maxRel.toExponential(2)}, max abs ${maxAbs.toExponential(2)})`;
  return { ok, maxRel, maxAbs, budgetUsed, worst, message };
}

/** One line over several comparisons: the worst relative error (over |e| above the floor) and budget used. */
export function summarise(comparisons: readonly Comparison[]): string {
  const maxRel = Math.max(...comparisons.map((c) => c.maxRel));
  const maxAbs = Math.max(...comparisons.map((c) => c.maxAbs));
  const budget = Math.max(...comparisons.map((c) => c.budgetUsed));
  return `max rel ${maxRel.toExponential(2)}, max abs ${maxAbs.toExponential(2)}, ${(100 * budget).toFixed(0)}% of tolerance`;
}
