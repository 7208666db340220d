// Worlds that change: a day-by-day stream over one hidden model in which the users' preferences shift (a trend per
// category and a random walk per user and category), new ads and advertisers arrive, bids move, and users of a new
// country appear. Every day is a World of its own (World.derive), so the truth of any impression is known per day.
// Legend: U users, A ads, C categories, D days.
import { AdrankError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { SubsetSampler } from './alias.js';
import { fitIntercepts } from './log.js';
import type { WorldSpec } from './presets.js';
import { World } from './world.js';

export const DAY_SECONDS = 86_400;

export interface DriftSpec {
  days: number;
  eventsPerDay: number;
  /** epoch seconds of the start of day 0 (UTC) */
  startTime: number;
  /** standard deviation of each category's daily step in appeal, for everyone (logit) */
  categoryTrend: number;
  /** standard deviation of each user's daily step of preference per category (logit) */
  preferenceWalk: number;
  /** share of the ads live on day 0; the others arrive evenly over days 1 … D−1 */
  initialAdShare: number;
  /** share of the advertisers that are new: they own only arriving ads */
  newAdvertiserShare: number;
  /** click-quality bonus of arriving ads (logit): fresh creatives */
  newAdQuality: number;
  /** standard deviation of each ad's daily step of log bid */
  bidWalk: number;
  /** users of a country the catalogue did not have, live from `day` on (its share of all users) */
  newCountry: { name: string; region: string; day: number; userShare: number } | null;
}

/** The default drift of a D-day stream, its continuous changes scaled by `strength` (0: none). */
export function defaultDrift(days: number, eventsPerDay: number, strength = 1): DriftSpec {
  return {
    days, eventsPerDay, startTime: 1_767_225_600, // 2026-01-01T00:00:00Z
    categoryTrend: 0.12 * strength, preferenceWalk: 0.08 * strength,
    initialAdShare: 0.75, newAdvertiserShare: 0.1, newAdQuality: 0.3 * strength, bidWalk: 0.05 * strength,
    newCountry: days > 1 ? { name: 'Poland', region: 'EU', day: Math.ceil(days / 2), userShare: 0.05 } : null,
  };
}

export function checkDrift(spec: WorldSpec): DriftSpec {
  const d = spec.drift;
  if (!d) throw new Error('assertion failed: not a drifting world');
  const bad = (field: string, value: unknown, hint: string): AdrankError => new AdrankError('BAD_ARGUMENT', `drift.${field} is ${String(value)}`, { location: { field: `drift.${field}`, value: String(value) }, hint });
  if (!Number.isInteger(d.days) || d.days < 1) throw bad('days', d.days, 'a stream has at least one day');
  if (!Number.isInteger(d.eventsPerDay) || d.eventsPerDay < 1) throw bad('eventsPerDay', d.eventsPerDay, 'give a positive number of events per day');
  if (!(d.initialAdShare > 0 && d.initialAdShare <= 1)) throw bad('initialAdShare', d.initialAdShare, 'a share in (0, 1]');
  if (d.newCountry && !spec.regions.includes(d.newCountry.region)) throw bad('newCountry.region', d.newCountry.region, `one of ${spec.regions.join(', ')}`);
  if (d.newCountry && spec.countries.includes(d.newCountry.name)) throw bad('newCountry.name', d.newCountry.name, 'a country the world does not have yet');
  return d;
}

/** What changed on a day, for truth/days.json. */
export interface DaySummary {
  day: number;
  date: string;
  weekday: number;
  month: number;
  activeUsers: number;
  activeAds: number;
  newAds: number;
  newAdvertisers: number;
  meanBid: number;
}

/** A drifting world: the base model, the catalogue's schedule, and each day's state computed on demand, in order. */
export class DriftingWorld {
  readonly drift: DriftSpec;
  /** the day each ad goes live (A) and each user appears (U) */
  readonly adArrivalDay: Int32Array;
  readonly userArrivalDay: Int32Array;
  private readonly categoryAppeal: Float32Array; // (C)
  private readonly preferenceStep: Float32Array; // (U, C) accumulated walk
  private readonly logBidStep: Float64Array; // (A) accumulated walk
  private readonly meanLogBid: number;
  private current = 0;

  constructor(readonly base: World) {
    this.drift = checkDrift(base.spec);
    const { spec } = base;
    const rng = new Rng(spec.seed).fork('drift-catalogue');
    this.adArrivalDay = scheduleAds(base, this.drift, rng);
    this.userArrivalDay = scheduleUsers(base, this.drift);
    this.categoryAppeal = new Float32Array(spec.categories.length);
    this.preferenceStep = new Float32Array(spec.users * spec.categories.length);
    this.logBidStep = new Float64Array(spec.ads);
    let sum = 0;
    let n = 0;
    for (let a = 0; a < spec.ads; a++) if (this.adArrivalDay[a] === 0) (sum += Math.log(base.adBid[a])), n++;
    this.meanLogBid = sum / n;
    for (let a = 0; a < spec.ads; a++) if (this.adArrivalDay[a] > 0) base.adQuality[a] += this.drift.newAdQuality;
    const day0 = this.dayWorld();
    fitIntercepts(day0, base); // intercepts fitted on day 0's population, kept for every day
  }

  get spec(): WorldSpec {
    return this.base.spec;
  }

  /** The world as it is on `day` (0-based); days are reached in order, going back restarts from day 0. */
  at(day: number): World {
    if (!Number.isInteger(day) || day < 0 || day >= this.drift.days) throw new Error(`assertion failed: day ${day} outside the stream of ${this.drift.days} days`);
    if (day < this.current) this.reset();
    while (this.current < day) this.step(++this.current);
    return this.dayWorld();
  }

  /** The summary of `day` (call after at(day)). */
  summary(day: number, world: World): DaySummary {
    const date = new Date((this.drift.startTime + day * DAY_SECONDS) * 1000);
    let activeUsers = 0;
    for (let u = 0; u < this.spec.users; u++) if (this.userArrivalDay[u] <= day) activeUsers++;
    const ads = world.activeAds!;
    const advertisersBefore = new Set<number>();
    const advertisersToday = new Set<number>();
    let newAds = 0;
    let bids = 0;
    for (const a of ads) {
      bids += world.adBid[a];
      if (this.adArrivalDay[a] === day && day > 0) {
        newAds++;
        advertisersToday.add(world.adAdvertiser[a]);
      } else advertisersBefore.add(world.adAdvertiser[a]);
    }
    const newAdvertisers = [...advertisersToday].filter((v) => !advertisersBefore.has(v)).length;
    return { day, date: date.toISOString().slice(0, 10), ...dateOf(this.drift, day), activeUsers, activeAds: ads.length, newAds, newAdvertisers, meanBid: bids / ads.length };
  }

  private reset(): void {
    this.categoryAppeal.fill(0);
    this.preferenceStep.fill(0);
    this.logBidStep.fill(0);
    this.current = 0;
  }

  private step(day: number): void {
    const rng = new Rng(this.spec.seed).fork(`drift-day-${day}`);
    const d = this.drift;
    for (let c = 0; c < this.categoryAppeal.length; c++) this.categoryAppeal[c] += d.categoryTrend * rng.normal();
    for (let i = 0; i < this.preferenceStep.length; i++) this.preferenceStep[i] += d.preferenceWalk * rng.normal();
    for (let a = 0; a < this.logBidStep.length; a++) this.logBidStep[a] += d.bidWalk * rng.normal();
  }

  private dayWorld(): World {
    const { base } = this;
    const { spec } = base;
    const day = this.current;
    const C = spec.categories.length;
    const preference = Float32Array.from(base.userCategoryPreference, (p, i) => p + this.categoryAppeal[i % C] + this.preferenceStep[i]);
    const adBid = Float64Array.from(base.adBid, (b, a) => (this.logBidStep[a] === 0 ? b : Math.max(0.05, Math.round(b * Math.exp(this.logBidStep[a]) * 100) / 100)));
    const adLogBidCentered = Float32Array.from(adBid, (b) => Math.log(b) - this.meanLogBid);
    const activeAds = Int32Array.from({ length: spec.ads }, (_, a) => a).filter((a) => this.adArrivalDay[a] <= day);
    const activeUsers = Int32Array.from({ length: spec.users }, (_, u) => u).filter((u) => this.userArrivalDay[u] <= day);
    const categoryAdSamplers = spec.categories.map((_, c) => {
      const ads = activeAds.filter((a) => base.adCategory[a] === c);
      const list = ads.length ? ads : Int32Array.of(activeAds[0]);
      return { ads: list, sampler: new SubsetSampler(Int32Array.from(list.keys()), Array.from(list, (a) => base.adPopularity[a])) };
    });
    return base.derive({
      userCategoryPreference: preference, adBid, adLogBidCentered, activeAds, categoryAdSamplers,
      userSampler: new SubsetSampler(activeUsers, Array.from(activeUsers, (u) => base.userActivity[u])),
      adSampler: new SubsetSampler(activeAds, Array.from(activeAds, (a) => base.adPopularity[a])),
    });
  }
}

/** The weekday (1 Monday … 7 Sunday) and month (1–12) of a day of the stream. */
export function dateOf(drift: DriftSpec, day: number): { weekday: number; month: number } {
  const date = new Date((drift.startTime + day * DAY_SECONDS) * 1000);
  return { weekday: ((date.getUTCDay() + 6) % 7) + 1, month: date.getUTCMonth() + 1 };
}

/** Arrival days of the ads, and the advertisers of arriving ads: new advertisers own only ads that arrive. */
function scheduleAds(base: World, drift: DriftSpec, rng: Rng): Int32Array {
  const { ads: A, advertisers: V } = base.spec;
  const A0 = Math.max(1, Math.round(A * drift.initialAdShare));
  const arriving = A - A0;
  const arrival = new Int32Array(A);
  for (let a = A0; a < A; a++) arrival[a] = drift.days > 1 ? 1 + Math.floor(((a - A0) * (drift.days - 1)) / arriving) : 0;
  const newAdvertisers = arriving > 0 && drift.days > 1 ? Math.min(arriving, Math.floor(V * drift.newAdvertiserShare), V - 1) : 0;
  const oldCount = V - newAdvertisers; // advertiser ids 1 … oldCount exist on day 0
  for (let a = 0; a < A0; a++) if (base.adAdvertiser[a] > oldCount) base.adAdvertiser[a] = 1 + rng.int(oldCount);
  let appeared = 0;
  for (let j = 0; j < arriving; j++) {
    const a = A0 + j;
    if (appeared < newAdvertisers && j >= Math.floor((appeared * arriving) / newAdvertisers)) base.adAdvertiser[a] = oldCount + 1 + appeared++;
    else if (appeared > 0 && rng.next() < 0.5) base.adAdvertiser[a] = oldCount + 1 + rng.int(appeared);
    else if (base.adAdvertiser[a] > oldCount) base.adAdvertiser[a] = 1 + rng.int(oldCount);
  }
  return arrival;
}

/** Arrival days of the users: the last share of them are the new country's, from its day on. */
function scheduleUsers(base: World, drift: DriftSpec): Int32Array {
  const { spec } = base;
  const arrival = new Int32Array(spec.users);
  const country = drift.newCountry;
  if (!country) return arrival;
  const count = Math.min(spec.users - 1, Math.round(spec.users * country.userShare));
  const code = spec.countries.length; // the country's index: one past the catalogue's countries
  for (let u = spec.users - count; u < spec.users; u++) {
    arrival[u] = country.day;
    base.userCountry[u] = code;
    base.userHomeRegion[u] = spec.regions.indexOf(country.region);
  }
  return arrival;
}

/** The country names of a drifting world: the spec's, then the new country's. */
export function countryNames(spec: WorldSpec): string[] {
  return spec.drift?.newCountry ? [...spec.countries, spec.drift.newCountry.name] : [...spec.countries];
}
