// Presets of synthetic worlds: the seed's toy world and three realistic sizes.
// A WorldSpec plus its seed fully determines the hidden model, the catalogues and every log.
import { AdrankError } from '../../core/errors.js';
import type { DriftSpec } from './drift.js';

/** How the logging policy picked the ad of each impression (fractions summing to 1). */
export interface LoggingPolicy {
  uniform: number; // any ad, uniformly
  popular: number; // by ad popularity
  targeted: number; // a category the user likes, then by popularity within it
}

/** Standard deviations (logit scale) of the hidden effects. */
export interface EffectScales {
  userBias: number;
  adQuality: number;
  latent: number; // scale of the user·ad latent dot product
  categoryPreference: number;
  ageCategory: number;
  hour: number;
  weekday: number;
  month: number;
  deviceFormat: number;
  awayFromHome: number; // click penalty when the impression is outside the user's home region
  conversionUserBias: number;
  conversionAdQuality: number;
  conversionPriceSensitivity: number;
}

/** Fixed catalogue rows and preferences, used by the seed world instead of random draws. */
export interface FixedCatalogs {
  users: ReadonlyArray<{ ageGroup: string; gender: string; country: string }>;
  ads: ReadonlyArray<{ category: string; advertiserId: number; format: string; bid: number }>;
  /** user index → category index → logit bonus */
  preferences: ReadonlyArray<{ userIndex: number; category: string; strength: number }>;
}

export interface WorldSpec {
  preset: string;
  seed: number;
  users: number;
  ads: number;
  advertisers: number;
  events: number;
  testEvents: number;
  categories: readonly string[];
  countries: readonly string[];
  regions: readonly string[];
  /** index into regions for each country; empty = location drawn uniformly (the seed) */
  countryRegion: readonly number[];
  formats: readonly string[];
  latentDim: number;
  targetCtr: number;
  targetCvr: number;
  policy: LoggingPolicy;
  /** lognormal sigma of user activity and ad popularity (0 = uniform) */
  activitySkew: number;
  popularitySkew: number;
  /** whether context (device, location, hour…) follows per-user habits or is uniform like the seed */
  contextHabits: boolean;
  effects: EffectScales;
  fixed?: FixedCatalogs;
  /** a day-by-day stream that changes (drift.ts); users, ads and advertisers are then the totals over the stream */
  drift?: DriftSpec;
}

const CATEGORY_NAMES = [
  'shoes', 'tech', 'food', 'travel', 'beauty', 'fashion', 'home', 'sports', 'auto', 'finance',
  'games', 'books', 'music', 'health', 'pets', 'toys', 'garden', 'jewelry', 'education', 'insurance',
];
const COUNTRIES = ['US', 'UK', 'Germany', 'Japan', 'Brazil', 'France', 'India', 'Canada', 'Mexico', 'Spain', 'Italy', 'Korea'];
const REGIONS = ['US', 'EU', 'Asia', 'LATAM'];
const COUNTRY_REGION = [0, 1, 1, 2, 3, 1, 2, 0, 3, 1, 1, 2];
const FORMATS = ['image', 'video', 'carousel'];

const REALISTIC_EFFECTS: EffectScales = {
  userBias: 0.6,
  adQuality: 0.5,
  latent: 0.8,
  categoryPreference: 0.7,
  ageCategory: 0.3,
  hour: 0.25,
  weekday: 0.1,
  month: 0.05,
  deviceFormat: 0.3,
  awayFromHome: 0.3,
  conversionUserBias: 0.5,
  conversionAdQuality: 0.5,
  conversionPriceSensitivity: 0.4,
};

function realistic(preset: string, users: number, ads: number, advertisers: number, events: number, categories: number): Omit<WorldSpec, 'seed'> {
  return {
    preset,
    users,
    ads,
    advertisers,
    events,
    testEvents: Math.round(events / 10),
    categories: CATEGORY_NAMES.slice(0, categories),
    countries: COUNTRIES,
    regions: REGIONS,
    countryRegion: COUNTRY_REGION,
    formats: FORMATS,
    latentDim: 8,
    targetCtr: 0.035,
    targetCvr: 0.1,
    policy: { uniform: 0.2, popular: 0.5, targeted: 0.3 },
    activitySkew: 1.0,
    popularitySkew: 1.2,
    contextHabits: true,
    effects: REALISTIC_EFFECTS,
  };
}

// The seed's toy world: its first five users and ads are the rows the blog prints.
const SEED_USERS = [
  ['18-24', 'M', 'US'], ['25-34', 'F', 'UK'], ['35-44', 'M', 'Germany'], ['25-34', 'F', 'US'], ['18-24', 'M', 'Japan'],
  ['45+', 'F', 'Brazil'], ['35-44', 'F', 'UK'], ['18-24', 'F', 'Germany'], ['45+', 'M', 'US'], ['25-34', 'M', 'Japan'],
].map(([ageGroup, gender, country]) => ({ ageGroup, gender, country }));

const SEED_ADS: FixedCatalogs['ads'] = [
  // ads 1–7: shoes (advertisers 1, 2)
  [1, 'image', 1.2], [1, 'video', 2.5], [1, 'carousel', 1.8], [2, 'image', 1.0], [2, 'video', 2.2], [2, 'carousel', 1.5], [1, 'image', 2.0],
  // ads 8–14: tech (advertisers 3, 4)
  [3, 'video', 3.0], [3, 'image', 2.8], [3, 'carousel', 3.5], [4, 'image', 2.4], [4, 'video', 4.0], [4, 'carousel', 3.2], [3, 'image', 2.6],
  // ads 15–20: food (advertiser 5)
  [5, 'image', 0.8], [5, 'video', 1.1], [5, 'carousel', 0.9], [5, 'image', 0.7], [5, 'video', 1.3], [5, 'carousel', 1.0],
].map(([advertiserId, format, bid], i) => ({
  category: i < 7 ? 'shoes' : i < 14 ? 'tech' : 'food',
  advertiserId: advertiserId as number,
  format: format as string,
  bid: bid as number,
}));

const SEED_SPEC: Omit<WorldSpec, 'seed'> = {
  preset: 'seed',
  users: 10,
  ads: 20,
  advertisers: 5,
  events: 500,
  testEvents: 400,
  categories: ['shoes', 'tech', 'food'],
  countries: ['US', 'UK', 'Germany', 'Japan', 'Brazil'],
  regions: ['US', 'EU', 'Asia'],
  countryRegion: [],
  formats: FORMATS,
  latentDim: 4,
  targetCtr: 0.3,
  targetCvr: 0.3,
  policy: { uniform: 1, popular: 0, targeted: 0 },
  activitySkew: 0,
  popularitySkew: 0,
  contextHabits: false,
  effects: {
    ...REALISTIC_EFFECTS,
    userBias: 0.2,
    adQuality: 0.2,
    latent: 0.2,
    categoryPreference: 0,
    ageCategory: 0,
    awayFromHome: 0,
  },
  fixed: {
    users: SEED_USERS,
    ads: SEED_ADS,
    // user 1 (index 0) prefers shoes, user 4 tech, user 7 food
    preferences: [
      { userIndex: 0, category: 'shoes', strength: 3.5 },
      { userIndex: 3, category: 'tech', strength: 3.5 },
      { userIndex: 6, category: 'food', strength: 3.5 },
    ],
  },
};

export const PRESETS: Readonly<Record<string, Omit<WorldSpec, 'seed'>>> = {
  seed: SEED_SPEC,
  small: realistic('small', 10_000, 2_000, 200, 200_000, 8),
  medium: realistic('medium', 100_000, 20_000, 1_000, 1_000_000, 12),
  large: realistic('large', 1_000_000, 100_000, 5_000, 10_000_000, 20),
};

export interface SizeOverrides {
  users?: number;
  ads?: number;
  advertisers?: number;
  events?: number;
  testEvents?: number;
}

/** The spec of a preset, with optional explicit sizes (not allowed for the seed world's fixed catalogues). */
export function worldSpec(preset: string, seed: number, sizes: SizeOverrides = {}): WorldSpec {
  const base = PRESETS[preset];
  if (!base) {
    throw new AdrankError('BAD_ARGUMENT', `unknown preset "${preset}"`, {
      location: { field: 'preset', value: preset },
      hint: `use one of: ${Object.keys(PRESETS).join(', ')}`,
    });
  }
  if (base.fixed && (sizes.users !== undefined || sizes.ads !== undefined || sizes.advertisers !== undefined)) {
    throw new AdrankError('BAD_ARGUMENT', 'the seed preset has fixed catalogues (10 users, 20 ads, 5 advertisers)', {
      location: { field: 'preset', value: preset },
      hint: 'only --events and --test-events can change the seed world; use --preset small for other sizes',
    });
  }
  const spec: WorldSpec = { ...base, seed, ...definedOnly(sizes) };
  if (sizes.events !== undefined && sizes.testEvents === undefined && !base.fixed) spec.testEvents = Math.max(1, Math.round(spec.events / 10));
  for (const key of ['users', 'ads', 'advertisers', 'events', 'testEvents'] as const) {
    const v = spec[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new AdrankError('BAD_ARGUMENT', `${key} must be a positive integer, got ${v}`, { location: { field: key, value: String(v) } });
    }
  }
  if (spec.advertisers > spec.ads) {
    throw new AdrankError('BAD_ARGUMENT', `advertisers (${spec.advertisers}) cannot exceed ads (${spec.ads})`, {
      location: { field: 'advertisers', value: String(spec.advertisers) },
      hint: 'every advertiser owns at least one ad',
    });
  }
  return spec;
}

function definedOnly(sizes: SizeOverrides): SizeOverrides {
  const out: SizeOverrides = {};
  for (const [k, v] of Object.entries(sizes) as [keyof SizeOverrides, number | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}

/** A preset's spec turned into a stream of `days` days of `eventsPerDay` impressions that drifts (drift.ts). */
export function driftWorldSpec(spec: WorldSpec, drift: DriftSpec): WorldSpec {
  if (spec.fixed) {
    throw new AdrankError('BAD_ARGUMENT', 'the seed preset has fixed catalogues and cannot drift', {
      location: { field: 'preset', value: spec.preset },
      hint: 'use --preset small (or medium, large) with --drift-days',
    });
  }
  return { ...spec, events: drift.days * drift.eventsPerDay, drift };
}
