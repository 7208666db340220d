// Platt scaling (Platt 1999, "Probabilistic Outputs for Support Vector Machines"): p = σ(a·logit + b), with a
// and b minimising the mean binary cross-entropy on held-out data. The loss is convex in (a, b), so Newton's
// method in float64 on the 2×2 Hessian reaches the exact optimum in a handful of steps (the seed ran 200 Adam
// steps and stopped short of it).
import { AdrankError } from '../core/errors.js';

export interface PlattScaling {
  a: number;
  b: number;
}

export interface PlattFit extends PlattScaling {
  /** mean BCE at the optimum */
  loss: number;
  iterations: number;
}

export interface PlattOptions {
  /** Platt's regularised targets (N₊+1)/(N₊+2) and 1/(N₋+2): a finite optimum even on separable data */
  priorCorrection?: boolean;
  maxIterations?: number;
}

function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** Platt's regularised targets of 0/1 labels with `positives` ones: (N₊+1)/(N₊+2) for a 1, 1/(N₋+2) for a 0. */
export function plattTargets(labels: ArrayLike<number>, positives: number): Float64Array {
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (labels.length - positives + 2);
  return Float64Array.from(labels, (y) => (y === 1 ? high : low));
}

/** Mean BCE of σ(a·x + b) against targets t. */
export function plattLoss(logits: ArrayLike<number>, targets: ArrayLike<number>, a: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = a * logits[i] + b;
    sum += softplus(z) - targets[i] * z;
  }
  return sum / logits.length;
}

export function calibrate(scaling: PlattScaling, logit: number): number {
  return 1 / (1 + Math.exp(-(scaling.a * logit + scaling.b)));
}

/**
 * Fit a and b on held-out logits and 0/1 labels.
 *
 * Stopping is scale-aware: Newton's method stops when the Newton decrement λ² = gᵀH⁻¹g (twice the loss decrease
 * the next step predicts) falls below 1e-20 of the loss, or when the step no longer moves (a, b) relative to their
 * size. Float32 logits leave gradients of ~1e-9 at the optimum that rounding never removes, so an absolute gradient
 * threshold would chase noise; when no step can lower the loss any more the current point is the optimum to within
 * rounding and is returned (if the decrement says it is near: under 1e-8 of the loss). A fit on finite data with both
 * classes never fails.
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>, options: PlattOptions = {}): PlattFit {
  const n = logits.length;
  if (n === 0 || labels.length !== n) {
    throw new AdrankError('BAD_ARGUMENT', `Platt fit needs as many labels as logits (got ${n} logits, ${labels.length} labels)`, {
      hint: 'pass the held-out logits and their labels',
    });
  }
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(logits[i]) || (labels[i] !== 0 && labels[i] !== 1)) {
      throw new AdrankError('BAD_ARGUMENT', `Platt fit: row ${i + 1} has logit ${logits[i]} and label ${labels[i]}`, {
        location: { row: i + 1, value: String(logits[i]) },
        hint: 'logits must be finite numbers and labels 0 or 1; a non-finite logit means the model diverged',
      });
    }
    positives += labels[i];
  }
  if (!options.priorCorrection && (positives === 0 || positives === n)) {
    throw new AdrankError('BAD_ARGUMENT', `Platt fit on labels that are all ${positives === 0 ? 0 : 1}: no finite optimum`, {
      hint: 'calibrate on held-out data with both classes, or set priorCorrection',
    });
  }
  const targets = options.priorCorrection ? plattTargets(labels, positives) : Float64Array.from(labels);

  // Newton runs on centred logits x − x̄ (then b = b' − a·x̄): logits far from 0 make a and b nearly collinear
  let center = 0;
  for (let i = 0; i < n; i++) center += logits[i] / n;
  const x = Float64Array.from(logits, (v) => v - center);
  const result = (a: number, b: number, loss: number, iterations: number): PlattFit => ({ a, b: b - a * center, loss, iterations });
  let a = 1;
  let b = center;
  let loss = plattLoss(x, targets, a, b);
  const maxIterations = options.maxIterations ?? 100;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const { ga, gb, haa, hab, hbb } = derivatives(x, targets, a, b);
    const det = haa * hbb - hab * hab;
    // Newton direction; fall back to the gradient when the Hessian is singular (separable data, a → ∞)
    const newton = det > 1e-300 * Math.max(1, haa * hbb);
    let da = newton ? (hbb * ga - hab * gb) / det : ga;
    let db = newton ? (haa * gb - hab * ga) / det : gb;
    const decrement = ga * da + gb * db; // λ² (≥ 0 for a Newton step)
    if (!(decrement > 1e-20 * Math.max(loss, 1e-300))) return result(a, b, loss, iteration);
    // backtracking keeps every step a descent step
    let candidate = plattLoss(x, targets, a - da, b - db);
    for (let halvings = 0; candidate > loss && halvings < 60; halvings++) {
      da /= 2;
      db /= 2;
      candidate = plattLoss(x, targets, a - da, b - db);
    }
    if (!(candidate <= loss)) {
      // no lower loss within rounding: the optimum, unless the step still promised a real decrease
      if (decrement < 1e-8 * Math.max(loss, 1e-300)) return result(a, b, loss, iteration);
      throw new AdrankError('NUMERIC_DIVERGENCE', `Platt fit: no descent step at a=${a}, b=${b - a * center} although the Newton decrement is ${decrement}`, {
        hint: 'the logits may hold extreme values; check the model that produced them',
      });
    }
    const moved = Math.abs(da) + Math.abs(db);
    a -= da;
    b -= db;
    loss = candidate;
    if (moved <= 1e-15 * (1 + Math.abs(a) + Math.abs(b))) return result(a, b, loss, iteration);
  }
  // only separable data without the prior correction gets here: the loss keeps falling as a grows
  return result(a, b, loss, maxIterations);
}

/** Gradient and Hessian of the mean loss at (a, b), in float64. */
function derivatives(logits: ArrayLike<number>, targets: Float64Array, a: number, b: number): { ga: number; gb: number; haa: number; hab: number; hbb: number } {
  const n = logits.length;
  let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0; // prettier-ignore
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    const p = 1 / (1 + Math.exp(-(a * x + b)));
    const r = p - targets[i];
    const w = p * (1 - p);
    ga += r * x;
    gb += r;
    haa += w * x * x;
    hab += w * x;
    hbb += w;
  }
  return { ga: ga / n, gb: gb / n, haa: haa / n, hab: hab / n, hbb: hbb / n };
}
