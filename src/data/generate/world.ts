// The hidden generative model of a synthetic world: users and ads with latent factors, preferences,
// quality and context effects. It is the oracle: for any (user, ad, context) it gives the true
// click probability and the true conversion probability given a click.
import { Rng } from '../../core/rng.js';
import { AGE_GROUPS, DEVICES, GENDERS } from '../schema.js';
import { AliasTable, type IndexSampler } from './alias.js';
import type { WorldSpec } from './presets.js';

/** An impression context by index: device into DEVICES, location into spec.regions; weekday 1–7, month 1–12, hour 0–23. */
export interface ContextIndex {
  device: number;
  location: number;
  weekday: number;
  month: number;
  hour: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** What a derived world may replace. */
export type DerivableField =
  | 'userCategoryPreference' | 'adBid' | 'adLogBidCentered' | 'adQuality' | 'adAdvertiser' | 'userCountry' | 'userHomeRegion'
  | 'userSampler' | 'adSampler' | 'categoryAdSamplers' | 'activeAds';

export class World {
  readonly spec: WorldSpec;
  // users (U)
  readonly userAge: Uint8Array;
  readonly userGender: Uint8Array;
  readonly userCountry: Uint16Array;
  readonly userHomeRegion: Uint16Array;
  readonly userDevice: Uint8Array; // primary device
  readonly userLatent: Float32Array; // (U, K)
  readonly userBias: Float32Array;
  readonly userConversionBias: Float32Array;
  readonly userCategoryPreference: Float32Array; // (U, C)
  readonly userActivity: Float64Array;
  // ads (A)
  readonly adCategory: Uint16Array;
  readonly adAdvertiser: Int32Array; // advertiser id, 1-based
  readonly adFormat: Uint8Array;
  readonly adBid: Float64Array;
  readonly adLatent: Float32Array; // (A, K)
  readonly adQuality: Float32Array;
  readonly adConversionQuality: Float32Array;
  readonly adPopularity: Float64Array;
  readonly adLogBidCentered: Float32Array;
  // context effects
  readonly hourEffect: Float32Array; // (24)
  readonly weekdayEffect: Float32Array; // (8) index 1..7
  readonly monthEffect: Float32Array; // (13) index 1..12
  readonly deviceFormatEffect: Float32Array; // (3, formats)
  readonly deviceConversionEffect: Float32Array; // (3)
  readonly ageCategoryEffect: Float32Array; // (4, C)
  // constants of the score functions, cached off the spec
  private readonly K: number;
  private readonly C: number;
  private readonly formatCount: number;
  private readonly latentScale: number;
  private readonly awayPenalty: number;
  private readonly priceSensitivity: number;
  // calibrated intercepts
  clickIntercept = 0;
  conversionIntercept = 0;
  // samplers of the logging policy
  readonly userSampler: IndexSampler;
  readonly adSampler: IndexSampler;
  readonly categoryAdSamplers: { ads: Int32Array; sampler: IndexSampler }[];
  /** the ads that can be shown, when not all of them (a day of a drifting world); undefined = every ad */
  readonly activeAds?: Int32Array;

  constructor(spec: WorldSpec) {
    this.spec = spec;
    const root = new Rng(spec.seed);
    const U = spec.users;
    const A = spec.ads;
    const K = spec.latentDim;
    const C = spec.categories.length;
    const e = spec.effects;
    this.K = K;
    this.C = C;
    this.formatCount = spec.formats.length;
    this.latentScale = e.latent / Math.sqrt(K);
    this.awayPenalty = spec.countryRegion.length ? e.awayFromHome : 0;
    this.priceSensitivity = e.conversionPriceSensitivity;

    // Users.
    const ur = root.fork('users');
    this.userAge = new Uint8Array(U);
    this.userGender = new Uint8Array(U);
    this.userCountry = new Uint16Array(U);
    this.userHomeRegion = new Uint16Array(U);
    this.userDevice = new Uint8Array(U);
    this.userLatent = new Float32Array(U * K);
    this.userBias = new Float32Array(U);
    this.userConversionBias = new Float32Array(U);
    this.userCategoryPreference = new Float32Array(U * C);
    this.userActivity = new Float64Array(U);
    const ageWeights = [0.3, 0.35, 0.2, 0.15];
    const deviceWeights = [0.65, 0.25, 0.1];
    for (let u = 0; u < U; u++) {
      const fixed = spec.fixed?.users[u];
      this.userAge[u] = fixed ? AGE_GROUPS.indexOf(fixed.ageGroup as (typeof AGE_GROUPS)[number]) : ur.categorical(ageWeights);
      this.userGender[u] = fixed ? GENDERS.indexOf(fixed.gender as (typeof GENDERS)[number]) : ur.int(2);
      this.userCountry[u] = fixed ? spec.countries.indexOf(fixed.country) : Math.min(spec.countries.length - 1, Math.floor(spec.countries.length * ur.next() ** 1.6));
      this.userHomeRegion[u] = spec.countryRegion.length ? spec.countryRegion[this.userCountry[u]] : ur.int(spec.regions.length);
      this.userDevice[u] = ur.categorical(deviceWeights);
      for (let k = 0; k < K; k++) this.userLatent[u * K + k] = ur.normal();
      this.userBias[u] = e.userBias * ur.normal();
      this.userConversionBias[u] = e.conversionUserBias * ur.normal();
      for (let c = 0; c < C; c++) this.userCategoryPreference[u * C + c] = e.categoryPreference * ur.normal();
      this.userActivity[u] = spec.activitySkew > 0 ? Math.exp(spec.activitySkew * ur.normal()) : 1;
    }
    for (const p of spec.fixed?.preferences ?? []) {
      this.userCategoryPreference[p.userIndex * C + spec.categories.indexOf(p.category)] += p.strength;
    }

    // Ads: each advertiser has a main category; ad latent factors cluster around their category's centroid.
    const ar = root.fork('ads');
    const categoryCentroid = new Float32Array(C * K);
    for (let i = 0; i < C * K; i++) categoryCentroid[i] = ar.normal();
    const categoryBid = Array.from({ length: C }, () => Math.exp(0.3 + 0.6 * ar.normal()));
    const advertiserCategory = Array.from({ length: spec.advertisers }, (_, i) => (i < C ? i : ar.int(C)));
    this.adCategory = new Uint16Array(A);
    this.adAdvertiser = new Int32Array(A);
    this.adFormat = new Uint8Array(A);
    this.adBid = new Float64Array(A);
    this.adLatent = new Float32Array(A * K);
    this.adQuality = new Float32Array(A);
    this.adConversionQuality = new Float32Array(A);
    this.adPopularity = new Float64Array(A);
    for (let a = 0; a < A; a++) {
      const fixed = spec.fixed?.ads[a];
      // the first `advertisers` ads give every advertiser at least one ad
      const advertiser = fixed ? fixed.advertiserId - 1 : a < spec.advertisers ? a : ar.int(spec.advertisers);
      this.adAdvertiser[a] = advertiser + 1;
      this.adCategory[a] = fixed ? spec.categories.indexOf(fixed.category) : ar.next() < 0.9 ? advertiserCategory[advertiser] : ar.int(C);
      this.adFormat[a] = fixed ? spec.formats.indexOf(fixed.format) : ar.categorical([0.5, 0.3, 0.2]);
      const c = this.adCategory[a];
      this.adBid[a] = fixed ? fixed.bid : Math.max(0.05, Math.round(categoryBid[c] * Math.exp(0.4 * ar.normal()) * 100) / 100);
      for (let k = 0; k < K; k++) this.adLatent[a * K + k] = 0.8 * categoryCentroid[c * K + k] + 0.6 * ar.normal();
      this.adQuality[a] = e.adQuality * ar.normal();
      this.adConversionQuality[a] = e.conversionAdQuality * ar.normal();
      this.adPopularity[a] = spec.popularitySkew > 0 ? Math.exp(spec.popularitySkew * ar.normal()) : 1;
    }
    let meanLogBid = 0;
    for (let a = 0; a < A; a++) meanLogBid += Math.log(this.adBid[a]) / A;
    this.adLogBidCentered = Float32Array.from(this.adBid, (b) => Math.log(b) - meanLogBid);

    // Context effects: a diurnal curve peaking in the evening, weekend lift, device × format affinity.
    const cr = root.fork('context');
    this.hourEffect = Float32Array.from({ length: 24 }, (_, h) => e.hour * Math.cos((2 * Math.PI * (h - 20)) / 24));
    this.weekdayEffect = Float32Array.from({ length: 8 }, (_, d) => (d === 0 ? 0 : e.weekday * (d >= 6 ? 1 : -0.4)));
    this.monthEffect = Float32Array.from({ length: 13 }, (_, m) => (m === 0 ? 0 : e.month * cr.normal()));
    this.deviceFormatEffect = Float32Array.from({ length: DEVICES.length * spec.formats.length }, () => e.deviceFormat * cr.normal());
    this.deviceConversionEffect = Float32Array.from([0, 0.3, 0.15]); // desktop buyers convert more
    this.ageCategoryEffect = Float32Array.from({ length: AGE_GROUPS.length * C }, () => e.ageCategory * cr.normal());

    // Samplers of the logging policy.
    this.userSampler = new AliasTable(this.userActivity);
    this.adSampler = new AliasTable(this.adPopularity);
    this.categoryAdSamplers = [];
    for (let c = 0; c < C; c++) {
      const ads: number[] = [];
      for (let a = 0; a < A; a++) if (this.adCategory[a] === c) ads.push(a);
      const adsOfCategory = Int32Array.from(ads.length ? ads : [0]);
      this.categoryAdSamplers.push({ ads: adsOfCategory, sampler: new AliasTable(Array.from(adsOfCategory, (a) => this.adPopularity[a])) });
    }
  }

  /**
   * A copy of this world with some of its arrays replaced (a day of a drifting world: shifted preferences, new bids,
   * the ads and users live that day). The arrays not replaced are shared, so a derived world costs only what changed.
   */
  derive(changes: Partial<Pick<World, DerivableField>>): World {
    return Object.assign(Object.create(World.prototype) as World, this, changes);
  }

  /** Click logit without the intercept. */
  clickScore(u: number, a: number, ctx: ContextIndex): number {
    const K = this.K;
    const C = this.C;
    let dot = 0;
    for (let k = 0; k < K; k++) dot += this.userLatent[u * K + k] * this.adLatent[a * K + k];
    const c = this.adCategory[a];
    return (
      this.userBias[u] +
      this.adQuality[a] +
      this.latentScale * dot +
      this.userCategoryPreference[u * C + c] +
      this.ageCategoryEffect[this.userAge[u] * C + c] +
      this.hourEffect[ctx.hour] +
      this.weekdayEffect[ctx.weekday] +
      this.monthEffect[ctx.month] +
      this.deviceFormatEffect[ctx.device * this.formatCount + this.adFormat[a]] -
      (ctx.location !== this.userHomeRegion[u] ? this.awayPenalty : 0)
    );
  }

  /** Conversion-given-click logit without the intercept. */
  conversionScore(u: number, a: number, ctx: ContextIndex): number {
    return (
      this.userConversionBias[u] +
      this.adConversionQuality[a] +
      0.5 * this.userCategoryPreference[u * this.C + this.adCategory[a]] -
      this.priceSensitivity * this.adLogBidCentered[a] +
      this.deviceConversionEffect[ctx.device]
    );
  }

  /** True P(click) of an impression. */
  pClick(u: number, a: number, ctx: ContextIndex): number {
    return sigmoid(this.clickIntercept + this.clickScore(u, a, ctx));
  }

  /** True P(convert | click) of an impression. */
  pConvertGivenClick(u: number, a: number, ctx: ContextIndex): number {
    return sigmoid(this.conversionIntercept + this.conversionScore(u, a, ctx));
  }
}
