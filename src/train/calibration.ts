// A calibration map from a model's logit to a probability: Platt scaling or isotonic regression, fitted on
// held-out rows the metrics are not reported on, saved in calibration.json and applied by predict and serving.
import { applyIsotonic, fitIsotonic, type IsotonicMap } from './isotonic.js';
import { calibrate, fitPlatt, plattTargets } from './platt.js';

export type Calibrator = ({ kind: 'platt'; a: number; b: number } | ({ kind: 'isotonic' } & IsotonicMap)) & { fittedOn: number };

/**
 * Fits the map on held-out logits and labels. With no rows it is the identity (the model's own sigmoid). Platt's
 * regularised targets are always used, as in Platt (1999): on a large set they change nothing that matters, and
 * on a small one (a day's few clicked rows and a handful of conversions) they keep the optimum finite where the
 * plain fit diverges on separable rows. A fitted slope below zero says the held-out rows contradict the model's
 * order; on so few rows that is noise more often than not, so the map then keeps the model's order (a = 1) and
 * fits the intercept alone. Isotonic needs both classes, and falls back to Platt without them.
 */
export function fitCalibrator(method: 'platt' | 'isotonic', logits: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  const n = logits.length;
  if (n === 0) return { kind: 'platt', a: 1, b: 0, fittedOn: 0 };
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const oneClass = positives === 0 || positives === n;
  if (method === 'isotonic' && !oneClass) return { kind: 'isotonic', ...fitIsotonic(logits, labels), fittedOn: n };
  const { a, b } = fitPlatt(logits, labels, { priorCorrection: true });
  if (a >= 0) return { kind: 'platt', a, b, fittedOn: n };
  return { kind: 'platt', a: 1, b: fitIntercept(logits, labels, positives), fittedOn: n };
}

/** The b minimising the mean BCE of σ(x + b) against Platt's regularised targets: Newton in one variable, safeguarded by bisection. */
function fitIntercept(logits: ArrayLike<number>, labels: ArrayLike<number>, positives: number): number {
  const n = logits.length;
  const target = plattTargets(labels, positives).reduce((sum, t) => sum + t, 0);
  // g(b) = Σ σ(x + b) − Σ t is increasing in b; its root lies in [lo, hi]
  let lo = -1e3, hi = 1e3;
  let b = 0;
  for (let iteration = 0; iteration < 200; iteration++) {
    let g = -target, h = 0;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(logits[i] + b)));
      g += p;
      h += p * (1 - p);
    }
    if (g > 0) hi = b;
    else lo = b;
    const next = h > 0 ? b - g / h : NaN;
    const stepped = next > lo && next < hi ? next : (lo + hi) / 2;
    if (Math.abs(stepped - b) <= 1e-12 * (1 + Math.abs(b))) return stepped;
    b = stepped;
  }
  return b;
}

export function applyCalibrator(c: Calibrator, logit: number): number {
  return c.kind === 'platt' ? calibrate(c, logit) : applyIsotonic(c, logit);
}

/** Calibrated probabilities (N) of logits (N). */
export function calibrateAll(c: Calibrator, logits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = applyCalibrator(c, logits[i]);
  return out;
}
