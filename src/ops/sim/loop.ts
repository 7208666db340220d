// The closed loop on a drifting world: day 0's log comes from the world's own logging policy (a platform's history)
// and trains the first run; from day 1 on, requests are ranked by two policies — A keeps the first run (frozen), B is
// retrained every 24 h — outcomes come from the day's truth, and the impressions become the next day's training log.
// B's retraining is `adrank retrain` on a registry: a challenger trained on the last days of the log, its last day
// held out, promoted only through the gate (with gate: null, every challenger is served). Per day: expected revenue per request of each policy against the oracle's, realized revenue,
// and, in A/B mode, revenue per request of each arm with 95% intervals and off-policy estimates of each arm's policy
// from the other arm's log, checked against what that policy really earned.
import { join } from 'node:path';
import { loadDriftingWorld, generateDay } from '../../data/generate/write-drift-world.js';
import { resolveSources } from '../../data/sources.js';
import type { TrainConfig } from '../../pipeline/config.js';
import { trainRun, type TrainProgress } from '../../pipeline/train-run.js';
import { openRanker } from '../../serve/open.js';
import type { World } from '../../data/generate/world.js';
import type { GateConfig } from '../gate.js';
import { Registry } from '../registry/registry.js';
import { isAdrankError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { retrain } from '../retrain.js';
import type { Ranker } from '../../serve/ranker.js';
import { impressionsOf, writeDayData } from './day-data.js';
import { simulateDay, type DayResult, type Impression } from './day.js';
import { differenceInterval, meanInterval, offPolicyEstimates, type Estimate } from './ope.js';
import type { Exploration } from './explore.js';
import { isoDay } from '../window.js';
import { DAY_SECONDS } from '../../data/generate/drift.js';

export interface SimulateOptions {
  world: string;
  out: string;
  days: number;
  requestsPerDay: number;
  /** impressions of the world's own logging policy on day 0, which train the first run */
  initialEvents: number;
  exploration: Exploration;
  mode: 'compare' | 'ab';
  windowDays: number;
  /**
   * ungated retraining only: keep day 0's history (the logging policy's impressions) in every training window, and
   * fit every run's calibration on a fixed random tenth of it instead of on the policy's own, self-selected impressions
   */
  keepHistory: boolean;
  /** the promotion gate of B's daily retrain; null serves every day's new run ungated */
  gate: GateConfig | null;
  candidates: number;
  config: TrainConfig;
  seed: number;
  progress: TrainProgress;
  log: (line: string) => void;
}

export interface ArmSummary {
  name: string;
  requests: number;
  expectedPerRequest: number;
  shareOfOracle: number;
  realizedPerRequest: number;
  /** 95% interval of realized revenue per request, clustered by user (the A/B readout) */
  realizedInterval: { lower: number; upper: number };
  ctr: number;
}

export interface SimDay {
  day: number;
  date: string;
  oraclePerRequest: number;
  arms: ArmSummary[];
  trainSeconds: number;
  rankSeconds: number;
  /** after this day: whether B's challenger was promoted, and why not */
  retrain: { promoted: boolean; failures: string[] } | null;
}

export interface OffPolicyCheck {
  /** the policy estimated, and the arm whose log it was estimated from */
  target: string;
  logger: string;
  rows: number;
  /** the mean probability mass the target puts on ads the logger could show: below 1, IPS and SNIPS miss the rest */
  support: number;
  estimates: (Estimate & { coversTruth: boolean })[];
  /** the target policy's true expected revenue per request on the logger's requests */
  truth: number;
  /** what the target's own arm earned per request (realized), with its 95% interval */
  measured: { mean: number; lower: number; upper: number };
}

export interface SimulationResult {
  world: string;
  mode: 'compare' | 'ab';
  settings: Omit<SimulateOptions, 'config' | 'progress' | 'log' | 'world' | 'out' | 'gate'> & { config: string; gated: boolean };
  days: SimDay[];
  offPolicy: OffPolicyCheck[];
  /** ab mode: realized revenue per request of each arm over all days and retrained − frozen, user-clustered 95% intervals */
  ab: { arms: { name: string; mean: number; lower: number; upper: number }[]; lift: { mean: number; lower: number; upper: number } } | null;
  seconds: number;
}

const ARMS = ['frozen', 'retrained'] as const;

function armSummary(name: string, r: DayResult, arm: 0 | 1): ArmSummary {
  const a = r.arms[arm];
  const ci = meanInterval(Float64Array.from(a.revenues), a.users);
  return {
    name, requests: a.requests, expectedPerRequest: a.expected / a.requests, shareOfOracle: a.expected / a.oracle,
    realizedPerRequest: a.realized / a.requests, realizedInterval: { lower: ci.lower, upper: ci.upper }, ctr: a.clicks / a.requests,
  };
}

const dayName = (day: number): string => `day-${String(day).padStart(2, '0')}`;

async function openRun(options: SimulateOptions, run: string): Promise<Ranker> {
  return openRanker(run, { store: { kind: 'memory' }, candidates: options.candidates, warmup: 1 });
}

/** Trains a run on `impressions` as of `world`'s day (ungated retraining, and the first run). */
async function trainDay(options: SimulateOptions, day: number, world: World, impressions: Impression[], heldOut?: Impression[]): Promise<{ run: string; seconds: number }> {
  const started = performance.now();
  const data = await writeDayData(join(options.out, 'data', dayName(day)), world, impressions, heldOut);
  const run = join(options.out, 'runs', dayName(day));
  await trainRun({ sources: resolveSources(data), out: run, config: options.config, onBadRow: 'fail', replace: true, progress: options.progress, screenshot: false });
  return { run, seconds: (performance.now() - started) / 1000 };
}

/** B's retrain after `day` behind the gate, on the whole log so far; returns the run to serve next. */
async function gatedRetrain(options: SimulateOptions, gate: GateConfig, world: World, log: Impression[]): Promise<{ run: string; seconds: number; promoted: boolean; failures: string[] }> {
  const started = performance.now();
  const platform = await writeDayData(join(options.out, 'platform'), world, log);
  const registry = join(options.out, 'registry');
  let outcome: { promoted: boolean; failures: string[] };
  try {
    const record = await retrain({ data: resolveSources(platform), registry, windowDays: options.windowDays, heldOutDays: 1, config: options.config, gate, drift: false, progress: options.progress, log: () => {} });
    outcome = { promoted: record.promoted, failures: record.gate.failures };
  } catch (e) {
    if (!isAdrankError(e)) throw e;
    outcome = { promoted: false, failures: [e.message] }; // as a scheduled retrain: the champion keeps serving
  }
  const champion = (await (await Registry.open(registry)).resolve('champion'))!;
  return { run: champion.dir, seconds: (performance.now() - started) / 1000, ...outcome };
}

export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const started = performance.now();
  const drifting = await loadDriftingWorld(options.world);
  const world0 = drifting.at(0);
  const history: Impression[][] = [impressionsOf(world0, generateDay(drifting, world0, 0, options.initialEvents))];
  options.log(`day 0: ${history[0].length} impressions of the world's logging policy; training the first run`);
  // with keepHistory, a fixed tenth of day 0 (drawn at random: the logging policy's rows are unbiased) is held out
  const sample = new Rng(options.seed).fork('history-sample');
  const inSample = history[0].map(() => sample.next() < 0.1);
  const historyTrain = history[0].filter((_, i) => !inSample[i]);
  const historyHeldOut = history[0].filter((_, i) => inSample[i]);
  const first = options.keepHistory ? await trainDay(options, 0, world0, historyTrain, historyHeldOut) : await trainDay(options, 0, world0, history[0]);
  if (options.gate) {
    const registry = await Registry.open(join(options.out, 'registry'), { create: true });
    await registry.promote(await registry.add(first.run, dayName(0)), 'the first run');
  }
  const frozen = await openRun(options, first.run);
  let retrained = frozen;
  let servedRun = first.run;
  const days: SimDay[] = [];
  const opeRows: DayResult['arms'][number]['ope'][][] = [[], []];
  const revenues: number[][] = [[], []];
  const users: number[][] = [[], []];
  let trainSeconds = first.seconds;
  try {
    for (let d = 1; d <= options.days; d++) {
      const t0 = performance.now();
      const result = await simulateDay(drifting, d, [frozen, retrained], { requests: options.requestsPerDay, exploration: options.exploration, mode: options.mode, seed: options.seed });
      const rankSeconds = (performance.now() - t0) / 1000;
      result.arms.forEach((a, i) => {
        opeRows[i].push(a.ope);
        revenues[i].push(...a.revenues);
        users[i].push(...a.users);
      });
      const today: SimDay = { day: d, date: isoDay(Math.floor((drifting.drift.startTime + d * DAY_SECONDS) / DAY_SECONDS)), oraclePerRequest: result.oracle / result.requests, arms: [armSummary(ARMS[0], result, 0), armSummary(ARMS[1], result, 1)], trainSeconds, rankSeconds, retrain: null };
      days.push(today);
      const shares = days[days.length - 1].arms.map((a) => `${a.name} ${(100 * a.shareOfOracle).toFixed(1)}%`).join(', ');
      options.log(`day ${d}: oracle ${(result.oracle / result.requests).toFixed(5)} per request; share of the oracle: ${shares} (ranking ${rankSeconds.toFixed(1)} s)`);
      history.push(options.mode === 'ab' ? [...result.arms[0].impressions, ...result.arms[1].impressions].sort((x, y) => x.eventTime - y.eventTime) : result.arms[1].impressions);
      if (d === options.days) break;
      const world = drifting.at(d);
      let next: { run: string; seconds: number };
      if (options.gate) {
        const gated = await gatedRetrain(options, options.gate, world, history.flat());
        today.retrain = { promoted: gated.promoted, failures: gated.failures };
        options.log(`  retrain after day ${d}: ${gated.promoted ? 'promoted' : `refused (${gated.failures.join('; ')})`}`);
        next = gated;
      } else {
        const from = Math.max(0, history.length - options.windowDays);
        if (options.keepHistory) {
          // history minus its calibration sample, then the recent days; calibrated on the logging policy's own rows
          const recent = history.slice(Math.max(1, from)).flat();
          next = await trainDay(options, d, world, [...historyTrain, ...recent], historyHeldOut);
        } else {
          next = await trainDay(options, d, world, history.slice(from).flat());
        }
        today.retrain = { promoted: true, failures: [] };
      }
      trainSeconds = next.seconds;
      if (next.run === servedRun) continue;
      if (retrained !== frozen) await retrained.close();
      retrained = await openRun(options, next.run);
      servedRun = next.run;
    }
  } finally {
    if (retrained !== frozen) await retrained.close();
    await frozen.close();
  }
  const { config: _c, progress: _p, log: _l, world: _w, out: _o, gate, ...settings } = options;
  return {
    world: options.world, mode: options.mode, settings: { ...settings, config: options.config.name, gated: gate !== null }, days,
    offPolicy: options.mode === 'ab' ? [offPolicyCheck(ARMS[1], ARMS[0], opeRows[0], revenues[1], users[1]), offPolicyCheck(ARMS[0], ARMS[1], opeRows[1], revenues[0], users[0])] : [],
    ab: options.mode === 'ab' ? abReadout(revenues, users) : null,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Estimates `target`'s revenue per request from `logger`'s rows and checks them against the truth. */
function offPolicyCheck(target: string, logger: string, rows: DayResult['arms'][number]['ope'][], targetRevenues: number[], targetUsers: number[]): OffPolicyCheck {
  const cat = (key: keyof DayResult['arms'][number]['ope']): Float64Array => Float64Array.from(rows.flatMap((r) => r[key]));
  const truthRows = cat('targetTrueValue');
  const truth = truthRows.reduce((s, v) => s + v, 0) / truthRows.length;
  const estimates = offPolicyEstimates({ reward: cat('reward'), propensity: cat('propensity'), targetProbability: cat('targetProbability'), predictedReward: cat('predictedReward'), targetPredictedValue: cat('targetPredictedValue') });
  const measured = meanInterval(Float64Array.from(targetRevenues), targetUsers);
  return {
    target, logger, rows: truthRows.length, truth, support: cat('support').reduce((s, v) => s + v, 0) / truthRows.length,
    estimates: estimates.map((e) => ({ ...e, coversTruth: e.lower <= truth && truth <= e.upper })),
    measured: { mean: measured.mean, lower: measured.lower, upper: measured.upper },
  };
}

/** The A/B readout over all days: each arm's realized revenue per request and the lift, clustered by user. */
function abReadout(revenues: number[][], users: number[][]): NonNullable<SimulationResult['ab']> {
  const arms = ARMS.map((name, i) => ({ name, ...meanInterval(Float64Array.from(revenues[i]), users[i]) }));
  const lift = differenceInterval(arms[0], arms[1]);
  return { arms: arms.map(({ name, mean, lower, upper }) => ({ name, mean, lower, upper })), lift: { mean: lift.mean, lower: lift.lower, upper: lift.upper } };
}
