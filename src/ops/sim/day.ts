// One simulated day: requests drawn from the day's world (who comes, on which device, where, at what hour), ranked
// by two policies, the shown ad's outcome drawn from the world's truth. In 'compare' mode both policies answer every
// request (common random numbers: the same draws decide exploration and outcomes for both), so they are compared on
// the same traffic; in 'ab' mode a hash of the user picks the one policy that serves, and each logged impression
// also records the other policy's probability of the shown ad, its predicted revenue and the other policy's
// true expected revenue on that request — what off-policy estimation needs and what it is checked against.
// Legend: R requests of the day.
import { Rng } from '../../core/rng.js';
import { dateOf, DAY_SECONDS, type DriftingWorld } from '../../data/generate/drift.js';
import { sampleImpression } from '../../data/generate/log.js';
import type { ContextIndex, World } from '../../data/generate/world.js';
import { DEVICES } from '../../data/schema.js';
import type { Ranker, RankRequest } from '../../serve/ranker.js';
import { answerOf, drawPosition, probabilityOf, supportOf, type Exploration, type PolicyAnswer } from './explore.js';
import { expectedRevenue, oracleRevenue } from './truth.js';

export interface Impression {
  userId: number;
  adId: number;
  device: string;
  location: string;
  weekday: number;
  month: number;
  hour: number;
  clicked: number;
  converted: number;
  eventTime: number;
  propensity: number;
}

export interface ArmDay {
  requests: number;
  /** Σ of the oracle's expected revenue over the requests the arm served */
  oracle: number;
  /** Σ over requests of the policy's true expected revenue (its exploration included) */
  expected: number;
  /** Σ of realized revenue: bid of each converted impression */
  realized: number;
  clicks: number;
  conversions: number;
  /** realized revenue of each request the arm served (R_arm) */
  revenues: number[];
  /** the user of each of those requests (R_arm), for user-clustered intervals */
  users: number[];
  impressions: Impression[];
  /** ab mode: off-policy data about the other arm, from this arm's impressions */
  ope: { targetProbability: number[]; propensity: number[]; reward: number[]; predictedReward: number[]; targetPredictedValue: number[]; targetTrueValue: number[]; support: number[] };
}

export interface DayResult {
  day: number;
  requests: number;
  oracle: number;
  arms: [ArmDay, ArmDay];
}

export interface DayOptions {
  requests: number;
  exploration: Exploration;
  mode: 'compare' | 'ab';
  seed: number;
}

const emptyArm = (): ArmDay => ({
  requests: 0, oracle: 0, expected: 0, realized: 0, clicks: 0, conversions: 0, revenues: [], users: [], impressions: [],
  ope: { targetProbability: [], propensity: [], reward: [], predictedReward: [], targetPredictedValue: [], targetTrueValue: [], support: [] },
});

/** Which arm a user is in (ab mode): a fixed hash of the id, so a user stays in one arm for the whole test. */
export function armOf(userId: number): 0 | 1 {
  let h = (userId * 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return ((h ^ (h >>> 13)) & 1) as 0 | 1;
}

function policyValue(world: World, u: number, ctx: ContextIndex, answer: PolicyAnswer): number {
  let v = 0;
  for (let i = 0; i < answer.adIds.length; i++) v += answer.probs[i] * expectedRevenue(world, u, answer.adIds[i] - 1, ctx);
  return v;
}

function predictedValue(answer: PolicyAnswer): number {
  let v = 0;
  for (let i = 0; i < answer.probs.length; i++) v += answer.probs[i] * answer.scores[i];
  return v;
}

/** Simulates `day` of `drifting` with policies `rankers` [A, B]. */
export async function simulateDay(drifting: DriftingWorld, day: number, rankers: [Ranker, Ranker], options: DayOptions): Promise<DayResult> {
  const world = drifting.at(day);
  const { weekday, month } = dateOf(drifting.drift, day);
  const root = new Rng(options.seed).fork(`sim-day-${day}`);
  const draws = root.fork('requests');
  const outcomes = root.fork('outcomes');
  const regions = world.spec.regions;
  const result: DayResult = { day, requests: options.requests, oracle: 0, arms: [emptyArm(), emptyArm()] };
  const ctx: ContextIndex = { device: 0, location: 0, weekday, month, hour: 0 };
  const start = drifting.drift.startTime + day * DAY_SECONDS;
  for (let i = 0; i < options.requests; i++) {
    const { user } = sampleImpression(world, draws, ctx);
    ctx.weekday = weekday;
    ctx.month = month;
    const request: RankRequest = { userId: user + 1, device: DEVICES[ctx.device], location: regions[ctx.location], weekday, month, hour: ctx.hour };
    const eventTime = start + ctx.hour * 3600 + draws.int(3600);
    const uExplore = outcomes.next();
    const uClick = outcomes.next();
    const uConvert = outcomes.next();
    const best = oracleRevenue(world, user, ctx);
    result.oracle += best;
    const serving = options.mode === 'compare' ? [0, 1] : [armOf(user + 1)];
    const answers = await Promise.all(rankers.map((r) => answerOf(r, request, options.exploration)));
    for (const arm of serving) {
      const answer = answers[arm];
      const other = answers[1 - arm];
      const stats = result.arms[arm];
      if (answer.adIds.length === 0) continue;
      const position = drawPosition(answer, uExplore);
      const adId = answer.adIds[position];
      const a = adId - 1;
      const clicked = uClick < world.pClick(user, a, ctx) ? 1 : 0;
      const converted = clicked && uConvert < world.pConvertGivenClick(user, a, ctx) ? 1 : 0;
      const revenue = converted ? world.adBid[a] : 0;
      stats.requests++;
      stats.oracle += best;
      stats.expected += policyValue(world, user, ctx, answer);
      stats.realized += revenue;
      stats.clicks += clicked;
      stats.conversions += converted;
      stats.revenues.push(revenue);
      stats.users.push(user);
      stats.impressions.push({ ...request, adId, clicked, converted, eventTime, propensity: answer.probs[position] });
      if (options.mode === 'ab') {
        const at = other.adIds.indexOf(adId);
        stats.ope.targetProbability.push(probabilityOf(other, adId));
        stats.ope.propensity.push(answer.probs[position]);
        stats.ope.reward.push(revenue);
        stats.ope.predictedReward.push(at >= 0 ? other.scores[at] : 0);
        stats.ope.targetPredictedValue.push(predictedValue(other));
        stats.ope.targetTrueValue.push(policyValue(world, user, ctx, other));
        stats.ope.support.push(supportOf(other, answer));
      }
    }
  }
  for (const arm of result.arms) arm.impressions.sort((x, y) => x.eventTime - y.eventTime);
  return result;
}
