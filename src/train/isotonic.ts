// Isotonic calibration (Zadrozny & Elkan 2002) by pool-adjacent-violators: the non-decreasing step function of
// the logit that minimises squared error to the 0/1 labels, then linear interpolation between block centres so
// that ties in rank stay ties and the map is continuous. Legend: N rows, S steps.
import { AdrankError } from '../core/errors.js';

export interface IsotonicMap {
  /** block centres in logit space, increasing (S) */
  logits: number[];
  /** calibrated probability at each centre, non-decreasing (S) */
  probs: number[];
}

export function fitIsotonic(logits: ArrayLike<number>, labels: ArrayLike<number>): IsotonicMap {
  const n = logits.length;
  if (n === 0 || labels.length !== n) throw new AdrankError('BAD_ARGUMENT', `isotonic fit needs as many labels as logits (${n} vs ${labels.length})`, { hint: 'pass the held-out logits and labels' });
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[a] - logits[b]);
  // blocks: sum of labels, weight, sum of logits
  const sum: number[] = [];
  const weight: number[] = [];
  const x: number[] = [];
  for (const i of order) {
    if (!Number.isFinite(logits[i])) throw new AdrankError('BAD_ARGUMENT', `isotonic fit: row ${i + 1} has logit ${logits[i]}`, { location: { row: i + 1 }, hint: 'logits must be finite' });
    // equal logits start in one block, so the map is a function of the logit
    if (x.length && logits[i] === x[x.length - 1] / weight[weight.length - 1]) {
      sum[sum.length - 1] += labels[i];
      weight[weight.length - 1] += 1;
      x[x.length - 1] += logits[i];
    } else {
      sum.push(labels[i]);
      weight.push(1);
      x.push(logits[i]);
    }
    while (sum.length > 1 && sum[sum.length - 2] / weight[weight.length - 2] >= sum[sum.length - 1] / weight[weight.length - 1]) {
      const s = sum.pop()!;
      const w = weight.pop()!;
      const xs = x.pop()!;
      sum[sum.length - 1] += s;
      weight[weight.length - 1] += w;
      x[x.length - 1] += xs;
    }
  }
  return { logits: x.map((v, k) => v / weight[k]), probs: sum.map((v, k) => v / weight[k]) };
}

/** The calibrated probability of a logit: interpolated between block centres, constant beyond the ends. */
export function applyIsotonic(map: IsotonicMap, logit: number): number {
  const { logits, probs } = map;
  if (logit <= logits[0]) return probs[0];
  const last = logits.length - 1;
  if (logit >= logits[last]) return probs[last];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (logits[mid] <= logit) lo = mid;
    else hi = mid;
  }
  const t = (logit - logits[lo]) / (logits[hi] - logits[lo]);
  return probs[lo] + t * (probs[hi] - probs[lo]);
}
