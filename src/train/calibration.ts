// A calibration map from a model's logit to a probability: Platt scaling or isotonic regression, fitted on
// held-out rows the metrics are not reported on, saved in calibration.json and applied by predict and serving.
import { applyIsotonic, fitIsotonic, type IsotonicMap } from './isotonic.js';
import { calibrate, fitPlatt } from './platt.js';

export type Calibrator = ({ kind: 'platt'; a: number; b: number } | ({ kind: 'isotonic' } & IsotonicMap)) & { fittedOn: number };

/**
 * Fits the map on held-out logits and labels. With no rows it is the identity (the model's own sigmoid); when the
 * rows hold one class only (a small log's few clicked rows with no conversion), Platt's prior correction gives
 * the finite optimum instead of a divergent one.
 */
export function fitCalibrator(method: 'platt' | 'isotonic', logits: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  const n = logits.length;
  if (n === 0) return { kind: 'platt', a: 1, b: 0, fittedOn: 0 };
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i];
  const oneClass = positives === 0 || positives === n;
  if (method === 'isotonic' && !oneClass) return { kind: 'isotonic', ...fitIsotonic(logits, labels), fittedOn: n };
  const { a, b } = fitPlatt(logits, labels, { priorCorrection: oneClass });
  return { kind: 'platt', a, b, fittedOn: n };
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
