import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { meanInterval, offPolicyEstimates, type LoggedBandit } from './ope.js';

// A contextual bandit with a known truth: K actions, contexts in 2D, reward Bernoulli(p(x, a)) × value(a); the
// logging policy is a softmax of one score, the target policy an ε-greedy of another.
const K = 8;
function world(seed: number) {
  const rng = new Rng(seed);
  const weights = Float64Array.from({ length: K * 2 }, () => rng.normal());
  const value = Float64Array.from({ length: K }, () => 0.5 + rng.next() * 2);
  const p = (x: number[], a: number): number => 1 / (1 + Math.exp(-(-2 + weights[2 * a] * x[0] + weights[2 * a + 1] * x[1])));
  const logging = (x: number[]): Float64Array => {
    const s = Float64Array.from({ length: K }, (_, a) => Math.exp(0.5 * (x[0] * (a % 3) - x[1] * (a % 2))));
    const t = s.reduce((u, v) => u + v, 0);
    return s.map((v) => v / t);
  };
  const target = (x: number[]): Float64Array => {
    let best = 0;
    for (let a = 1; a < K; a++) if (p(x, a) * value[a] > p(x, best) * value[best]) best = a;
    return Float64Array.from({ length: K }, (_, a) => 0.1 / K + (a === best ? 0.9 : 0));
  };
  return { p, value, logging, target };
}

function simulate(seed: number, n: number, w: ReturnType<typeof world>, modelNoise: number): { log: LoggedBandit; truth: number } {
  const rng = new Rng(seed);
  const log: LoggedBandit = { reward: new Float64Array(n), propensity: new Float64Array(n), targetProbability: new Float64Array(n), predictedReward: new Float64Array(n), targetPredictedValue: new Float64Array(n) };
  let truth = 0;
  for (let i = 0; i < n; i++) {
    const x = [rng.normal(), rng.normal()];
    const pi0 = w.logging(x);
    const pi1 = w.target(x);
    const a = rng.categorical(pi0);
    const q = (b: number): number => w.p(x, b) * w.value[b] * (1 + modelNoise * Math.sin(7 * b + x[0])); // a biased reward model
    log.reward[i] = rng.next() < w.p(x, a) ? w.value[a] : 0;
    log.propensity[i] = pi0[a];
    log.targetProbability[i] = pi1[a];
    log.predictedReward[i] = q(a);
    let v = 0;
    for (let b = 0; b < K; b++) {
      v += pi1[b] * q(b);
      truth += (pi1[b] * w.p(x, b) * w.value[b]) / n;
    }
    log.targetPredictedValue[i] = v;
  }
  return { log, truth };
}

describe('off-policy estimators', () => {
  it('are unbiased and their 95% intervals cover the true value of the target policy about 95% of the time', () => {
    const w = world(1);
    const replicates = 300;
    const covered = { IPS: 0, SNIPS: 0, DR: 0, DM: 0 };
    const mean = { IPS: 0, SNIPS: 0, DR: 0, DM: 0 };
    let truthMean = 0;
    for (let r = 0; r < replicates; r++) {
      const { log, truth } = simulate(100 + r, 2000, w, 0.3);
      truthMean += truth / replicates;
      for (const e of offPolicyEstimates(log)) {
        mean[e.name] += e.value / replicates;
        if (e.lower <= truth && truth <= e.upper) covered[e.name]++;
      }
    }
    for (const name of ['IPS', 'SNIPS', 'DR'] as const) {
      expect(Math.abs(mean[name] - truthMean) / truthMean, name).toBeLessThan(0.02);
      expect(covered[name] / replicates, name).toBeGreaterThan(0.9);
      expect(covered[name] / replicates, name).toBeLessThan(0.99);
    }
    // the direct method inherits the reward model's bias: it is what DR corrects
    expect(Math.abs(mean.DM - truthMean) / truthMean).toBeGreaterThan(0.02);
  });

  it('gives DR a narrower interval than IPS with a good reward model, and equal IPS and SNIPS when the target is the logger', () => {
    const w = world(2);
    const { log } = simulate(7, 5000, w, 0);
    const [ips, , dr] = offPolicyEstimates(log);
    expect(dr.standardError).toBeLessThan(ips.standardError);
    const self = { ...log, targetProbability: Float64Array.from(log.propensity) };
    const [selfIps, selfSnips] = offPolicyEstimates(self);
    const plain = meanInterval(log.reward);
    expect(selfIps.value).toBeCloseTo(plain.mean, 12);
    expect(selfSnips.value).toBeCloseTo(plain.mean, 12);
    expect(selfIps.upper - selfIps.lower).toBeCloseTo(plain.upper - plain.lower, 12);
  });
});

describe('meanInterval clustered by user', () => {
  it('widens the interval by √k when each user repeats one value k times, and equals the per-row one for one row per user', () => {
    const rng = new Rng(9);
    const perUser = Array.from({ length: 400 }, () => (rng.next() < 0.1 ? 3 : 0));
    const k = 9;
    const values = Float64Array.from(perUser.flatMap((v) => Array(k).fill(v)));
    const users = perUser.flatMap((_, u) => Array(k).fill(u));
    const rows = meanInterval(values);
    const clustered = meanInterval(values, users);
    expect(clustered.mean).toBe(rows.mean);
    expect(clustered.standardError / rows.standardError).toBeGreaterThan(Math.sqrt(k) * 0.97);
    expect(clustered.standardError / rows.standardError).toBeLessThan(Math.sqrt(k) * 1.03);
    const single = meanInterval(Float64Array.from(perUser), perUser.map((_, u) => u));
    expect(single.standardError).toBeCloseTo(meanInterval(Float64Array.from(perUser)).standardError, 12);
  });
});
