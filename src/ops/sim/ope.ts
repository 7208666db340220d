// Off-policy estimates of a target policy's mean reward from a log of another policy's actions with their logged
// propensities, as in Open Bandit Pipeline (Saito et al. 2021): inverse propensity scoring (IPS), self-normalised
// IPS (SNIPS) and doubly robust (DR, Dudík et al. 2011) with a reward model, plus the direct method (DM) the DR
// estimate corrects. Each comes with a 95% normal interval from its per-row terms (SNIPS by the delta method).
// Legend: N logged rows.

export interface LoggedBandit {
  /** reward of each logged row (N) */
  reward: Float64Array;
  /** the logging policy's probability of the action it took (N), > 0 */
  propensity: Float64Array;
  /** the target policy's probability of that same action (N) */
  targetProbability: Float64Array;
  /** the reward model's prediction for the logged action (N) */
  predictedReward: Float64Array;
  /** the reward model's value of the target policy in each row's context: Σ_a π(a|x) q̂(x, a) (N) */
  targetPredictedValue: Float64Array;
}

export interface Estimate {
  name: 'IPS' | 'SNIPS' | 'DR' | 'DM';
  value: number;
  standardError: number;
  lower: number;
  upper: number;
}

const Z95 = 1.959964;

function meanAndError(terms: Float64Array): { mean: number; se: number } {
  const n = terms.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += terms[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (terms[i] - mean) ** 2;
  return { mean, se: Math.sqrt(ss / Math.max(1, n - 1) / n) };
}

function estimate(name: Estimate['name'], value: number, se: number): Estimate {
  return { name, value, standardError: se, lower: value - Z95 * se, upper: value + Z95 * se };
}

/** The four estimates of the target policy's mean reward per row. */
export function offPolicyEstimates(log: LoggedBandit): Estimate[] {
  const n = log.reward.length;
  const w = Float64Array.from(log.targetProbability, (p, i) => p / log.propensity[i]);
  const ips = meanAndError(Float64Array.from(w, (wi, i) => wi * log.reward[i]));
  let sw = 0;
  let swr = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i];
    swr += w[i] * log.reward[i];
  }
  const snips = sw > 0 ? swr / sw : NaN;
  const meanW = sw / n;
  const snipsError = meanAndError(Float64Array.from(w, (wi, i) => (wi * (log.reward[i] - snips)) / meanW));
  const dr = meanAndError(Float64Array.from(w, (wi, i) => log.targetPredictedValue[i] + wi * (log.reward[i] - log.predictedReward[i])));
  const dm = meanAndError(log.targetPredictedValue);
  return [estimate('IPS', ips.mean, ips.se), estimate('SNIPS', snips, snipsError.se), estimate('DR', dr.mean, dr.se), estimate('DM', dm.mean, dm.se)];
}

/**
 * Mean and 95% interval of per-request rewards (an A/B arm's revenue per request). With `clusters` (the user of each
 * request) the standard error is cluster-robust: users are what the test randomises, and one user's requests are
 * correlated, so the per-request error would be too narrow.
 */
export function meanInterval(values: Float64Array, clusters?: ArrayLike<number>): { mean: number; lower: number; upper: number; standardError: number } {
  const { mean, se: rowError } = meanAndError(values);
  let se = rowError;
  if (clusters) {
    const sums = new Map<number, number>();
    for (let i = 0; i < values.length; i++) sums.set(clusters[i], (sums.get(clusters[i]) ?? 0) + values[i] - mean);
    const g = sums.size;
    let ss = 0;
    for (const s of sums.values()) ss += s * s;
    se = g > 1 ? Math.sqrt((ss * g) / (g - 1)) / values.length : NaN;
  }
  return { mean, lower: mean - Z95 * se, upper: mean + Z95 * se, standardError: se };
}

/** B − A of two independent arms' means (disjoint users), with its 95% interval. */
export function differenceInterval(a: { mean: number; standardError: number }, b: { mean: number; standardError: number }): { mean: number; lower: number; upper: number; standardError: number } {
  const mean = b.mean - a.mean;
  const se = Math.hypot(a.standardError, b.standardError);
  return { mean, lower: mean - Z95 * se, upper: mean + Z95 * se, standardError: se };
}
