// Logged impressions of a synthetic world: who saw which ad in which context (the logging policy),
// and the clicks and conversions drawn from the world's true probabilities.
import { Rng } from '../../core/rng.js';
import { DEVICES } from '../schema.js';
import type { WorldSpec } from './presets.js';
import { World, type ContextIndex } from './world.js';
import { AliasTable } from './alias.js';

/** One log in columns (N rows); p_click and p_convert_given_click are the truth, never read by training. */
export interface GeneratedLog {
  length: number;
  userIndex: Int32Array;
  adIndex: Int32Array;
  device: Uint8Array;
  location: Uint8Array;
  weekday: Uint8Array;
  month: Uint8Array;
  hour: Uint8Array;
  clicked: Uint8Array;
  converted: Uint8Array;
  pClick: Float32Array;
  pConvertGivenClick: Float32Array;
}

// Share of impressions per hour of day: quiet at night, peaking in the evening.
const HOUR_SAMPLER = new AliasTable(Array.from({ length: 24 }, (_, h) => 1 + 0.8 * Math.cos((2 * Math.PI * (h - 20)) / 24)));

/** Draws the user, ad and context of one impression under the world's logging policy. */
export function sampleImpression(world: World, rng: Rng, ctx: ContextIndex): { user: number; ad: number } {
  const spec = world.spec;
  const user = world.userSampler.sample(rng);
  const r = rng.next();
  let ad: number;
  if (r < spec.policy.uniform) ad = world.activeAds ? world.activeAds[rng.int(world.activeAds.length)] : rng.int(spec.ads);
  else if (r < spec.policy.uniform + spec.policy.popular) ad = world.adSampler.sample(rng);
  else ad = sampleTargetedAd(world, user, rng);
  if (spec.contextHabits) {
    ctx.device = rng.next() < 0.7 ? world.userDevice[user] : rng.int(DEVICES.length);
    ctx.location = rng.next() < 0.9 ? world.userHomeRegion[user] : rng.int(spec.regions.length);
    ctx.hour = HOUR_SAMPLER.sample(rng);
  } else {
    ctx.device = rng.int(DEVICES.length);
    ctx.location = rng.int(spec.regions.length);
    ctx.hour = rng.int(24);
  }
  ctx.weekday = 1 + rng.int(7);
  ctx.month = 1 + rng.int(12);
  return { user, ad };
}

// A previous targeting system: pick a category by the user's (noisy) preference, then a popular ad in it.
let categoryWeights = new Float64Array(0);
function sampleTargetedAd(world: World, user: number, rng: Rng): number {
  const C = world.spec.categories.length;
  if (categoryWeights.length < C) categoryWeights = new Float64Array(C);
  let total = 0;
  for (let c = 0; c < C; c++) total += categoryWeights[c] = Math.exp(world.userCategoryPreference[user * C + c]);
  let r = rng.next() * total;
  let category = C - 1;
  for (let c = 0; c < C; c++) {
    r -= categoryWeights[c];
    if (r < 0) {
      category = c;
      break;
    }
  }
  const { ads, sampler } = world.categoryAdSamplers[category];
  return ads[sampler.sample(rng)];
}

/** Builds the hidden model and fits its intercepts so the logged CTR and CVR hit the spec's targets. */
export function createWorld(spec: WorldSpec): World {
  const world = new World(spec);
  fitIntercepts(world, world);
  return world;
}

/** Sets `target`'s intercepts so that impressions drawn from `world`'s logging policy hit the spec's CTR and CVR. */
export function fitIntercepts(world: World, target: World): void {
  const spec = world.spec;
  const rng = new Rng(spec.seed).fork('calibration');
  const n = Math.min(50_000, Math.max(5_000, spec.events));
  const clickScores = new Float64Array(n);
  const conversionScores = new Float64Array(n);
  const ctx: ContextIndex = { device: 0, location: 0, weekday: 1, month: 1, hour: 0 };
  for (let i = 0; i < n; i++) {
    const { user, ad } = sampleImpression(world, rng, ctx);
    clickScores[i] = world.clickScore(user, ad, ctx);
    conversionScores[i] = world.conversionScore(user, ad, ctx);
  }
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  target.clickIntercept = solveIntercept((b) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += sig(b + clickScores[i]);
    return s / n;
  }, spec.targetCtr);
  const clickProb = Float64Array.from(clickScores, (x) => sig(target.clickIntercept + x));
  target.conversionIntercept = solveIntercept((b) => {
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      num += clickProb[i] * sig(b + conversionScores[i]);
      den += clickProb[i];
    }
    return num / den;
  }, spec.targetCvr);
}

// Bisection on a monotone increasing rate(intercept).
function solveIntercept(rate: (b: number) => number, target: number): number {
  let lo = -20;
  let hi = 20;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (rate(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Generates `length` impressions with a dedicated random stream. `date` fixes the weekday and month of every
 * impression (a day of a drifting world); the draws they replace are still made, so other worlds are unchanged.
 */
export function generateLog(world: World, length: number, rng: Rng, onProgress?: (done: number) => void, date?: { weekday: number; month: number }): GeneratedLog {
  const log: GeneratedLog = {
    length,
    userIndex: new Int32Array(length),
    adIndex: new Int32Array(length),
    device: new Uint8Array(length),
    location: new Uint8Array(length),
    weekday: new Uint8Array(length),
    month: new Uint8Array(length),
    hour: new Uint8Array(length),
    clicked: new Uint8Array(length),
    converted: new Uint8Array(length),
    pClick: new Float32Array(length),
    pConvertGivenClick: new Float32Array(length),
  };
  const ctx: ContextIndex = { device: 0, location: 0, weekday: 1, month: 1, hour: 0 };
  for (let i = 0; i < length; i++) {
    const { user, ad } = sampleImpression(world, rng, ctx);
    if (date) {
      ctx.weekday = date.weekday;
      ctx.month = date.month;
    }
    const pClick = world.pClick(user, ad, ctx);
    const pConvert = world.pConvertGivenClick(user, ad, ctx);
    const clicked = rng.next() < pClick ? 1 : 0;
    log.userIndex[i] = user;
    log.adIndex[i] = ad;
    log.device[i] = ctx.device;
    log.location[i] = ctx.location;
    log.weekday[i] = ctx.weekday;
    log.month[i] = ctx.month;
    log.hour[i] = ctx.hour;
    log.clicked[i] = clicked;
    log.converted[i] = clicked && rng.next() < pConvert ? 1 : 0;
    log.pClick[i] = pClick;
    log.pConvertGivenClick[i] = pConvert;
    if (onProgress && (i & 0xffff) === 0) onProgress(i);
  }
  return log;
}
