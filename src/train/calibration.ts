// A calibration map from a model's logit to a probability: Platt scaling or isotonic regression, fitted on
// held-out rows the metrics are not reported on, saved in calibration.json and applied by predict and serving.
import { applyIsotonic, fitIsotonic, type IsotonicMap } from './isotonic.js';
import { calibrate, fitPlatt } from './platt.js';

export type Calibrator = ({ kind: 'platt'; a: number; b: number } | ({ kind: 'isotonic' } & IsotonicMap)) & { fittedOn: number };

export function fitCalibrator(method: 'platt' | 'isotonic', logits: ArrayLike<number>, labels: ArrayLike<number>): Calibrator {
  if (method === 'isotonic') return { kind: 'isotonic', ...fitIsotonic(logits, labels), fittedOn: logits.length };
  const { a, b } = fitPlatt(logits, labels);
  return { kind: 'platt', a, b, fittedOn: logits.length };
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
