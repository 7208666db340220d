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

/** Fit a and b on held-out logits and 0/1 labels. */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>, options: PlattOptions = {}): PlattFit {
  const n = logits.length;
  if (n === 0 || labels.length !== n) {
    throw new AdrankError('BAD_ARGUMENT', `Platt fit needs as many labels as logits (got ${n} logits, ${labels.length} labels)`, {
      hint: 'pass the held-out logits and their labels',
    });
  }
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  if (!options.priorCorrection && (positives === 0 || positives === n)) {
    throw new AdrankError('BAD_ARGUMENT', `Platt fit on labels that are all ${positives === 0 ? 0 : 1}: no finite optimum`, {
      hint: 'calibrate on held-out data with both classes, or set priorCorrection',
    });
  }
  const targets = Float64Array.from(labels);
  if (options.priorCorrection) {
    const high = (positives + 1) / (positives + 2);
    const low = 1 / (n - positives + 2);
    for (let i = 0; i < n; i++) targets[i] = labels[i] === 1 ? high : low;
  }

  let a = 1;
  let b = 0;
  let loss = plattLoss(logits, targets, a, b);
  const maxIterations = options.maxIterations ?? 100;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // gradient and Hessian of the mean loss
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
    ga /= n; gb /= n; haa /= n; hab /= n; hbb /= n; // prettier-ignore
    if (Math.hypot(ga, gb) < 1e-13) return { a, b, loss, iterations: iteration };
    const det = haa * hbb - hab * hab;
    // Newton direction; fall back to the gradient when the Hessian is singular
    let da = det > 1e-300 ? (hbb * ga - hab * gb) / det : ga;
    let db = det > 1e-300 ? (haa * gb - hab * ga) / det : gb;
    // backtracking keeps every step a descent step
    let candidate = plattLoss(logits, targets, a - da, b - db);
    for (let halvings = 0; candidate > loss && halvings < 60; halvings++) {
      da /= 2;
      db /= 2;
      candidate = plattLoss(logits, targets, a - da, b - db);
    }
    if (!(candidate <= loss)) break;
    a -= da;
    b -= db;
    loss = candidate;
  }
  throw new AdrankError('NUMERIC_DIVERGENCE', `Platt fit did not converge in ${maxIterations} iterations (a=${a}, b=${b})`, {
    hint: 'the held-out classes may be separable by the logit; set priorCorrection for a finite optimum',
  });
}
