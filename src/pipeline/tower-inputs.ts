// What the two towers read, built one way for training, evaluation and serving: raw feature rows (named as the
// feature table's columns) encoded with the FeatureMap. The user tower may read only what is known before
// retrieval — the user, the context, and user-level history such as the affinity to each category; a feature
// that depends on the candidate ad (a user × ad cross) has no value there and enters as its training mean (0 once
// standardised). The ad tower reads only the ad, so its vectors are computed once per run.
// Legend: N rows, A ads, C categories, F fields, M numericals.
import type { Db } from '../data/duckdb.js';
import { smoothedCtr } from '../features/aggregates.js';
import { categoryProfile } from '../features/click-history.js';
import type { FeatureEncoder, RawFeatureRow } from '../features/encoder.js';
import { standardizerOf } from '../features/feature-map.js';
import type { SideColumns } from '../train/retrieval-task.js';
import type { OnlineTables } from '../features/online/tables.js';

export interface TowerFeatures {
  categorical: readonly string[];
  numerical: readonly string[];
  /** append the user's affinity to each category (user tower only) */
  categoryAffinity?: boolean;
  /** and log1p of the user's impressions in each category (what the logging policy showed them) */
  categoryImpressions?: boolean;
}

/** Width of a tower's category block for C categories: C affinities, then C log impressions, as configured. */
export function categoryBlockWidth(features: TowerFeatures, categories: number): number {
  return (features.categoryAffinity ? categories : 0) + (features.categoryImpressions ? categories : 0);
}

/** A tower's category block (W) from a category profile (2C: affinities, then log impressions). */
export function categoryBlock(features: TowerFeatures, profile: Float32Array, out: Float32Array, at = 0): void {
  const C = profile.length / 2;
  let w = 0;
  if (features.categoryAffinity) for (let c = 0; c < C; c++) out[at + w++] = profile[c];
  if (features.categoryImpressions) for (let c = 0; c < C; c++) out[at + w++] = profile[C + c];
}

/** Encodes raw rows for a tower; `block` (N, W) — the category block — is appended to the numericals when the tower reads one. */
export function encodeTower(encoder: FeatureEncoder, features: TowerFeatures, rows: readonly RawFeatureRow[], block?: Float32Array, categories = 0): SideColumns {
  const n = rows.length;
  const M = features.numerical.length;
  const C = categoryBlockWidth(features, categories);
  const categorical = features.categorical.map(() => new Int32Array(n));
  const numerical = new Float32Array(n * (M + C));
  const standardizers = features.numerical.map((name) => ({ column: standardizerOf(encoder.map, name).column, encode: encoder.numericalEncoder(name) }));
  rows.forEach((row, i) => {
    features.categorical.forEach((name, f) => (categorical[f][i] = encoder.field(name, row)));
    standardizers.forEach(({ column, encode }, m) => {
      const raw = row[column];
      numerical[i * (M + C) + m] = raw === undefined ? 0 : encode(Number(raw)); // unknown before retrieval: the mean
    });
    if (C > 0 && block) numerical.set(block.subarray(i * C, (i + 1) * C), i * (M + C) + M);
  });
  return { categorical, numerical };
}

/** The ad catalogue at the end of training, in catalogue order (the rows of the index). */
export interface AdCatalog {
  adId: Float64Array;
  category: string[];
  advertiserId: Float64Array;
  format: string[];
  bid: Float64Array;
  impressions: Float64Array;
  clicks: Float64Array;
  globalCtr: number;
  ctrPriorStrength: number;
}

export async function readAdCatalog(db: Db, ctrPriorStrength: number): Promise<AdCatalog> {
  const rows = await db.rows(`SELECT ad_id::DOUBLE AS ad_id, CAST(category AS VARCHAR) AS category, advertiser_id::DOUBLE AS advertiser_id,
      CAST(format AS VARCHAR) AS format, bid, impressions::DOUBLE AS impressions, clicks::DOUBLE AS clicks FROM fs_ad_row ORDER BY ad_idx`);
  return {
    adId: Float64Array.from(rows, (r) => Number(r.ad_id)),
    category: rows.map((r) => String(r.category)),
    advertiserId: Float64Array.from(rows, (r) => Number(r.advertiser_id)),
    format: rows.map((r) => String(r.format)),
    bid: Float64Array.from(rows, (r) => Number(r.bid)),
    impressions: Float64Array.from(rows, (r) => Number(r.impressions)),
    clicks: Float64Array.from(rows, (r) => Number(r.clicks)),
    globalCtr: Number(await db.scalar('SELECT ctr FROM fs_global')),
    ctrPriorStrength,
  };
}

/** An ad's CTR from its counts, as the aggregates define it (smoothed toward the global CTR, or the global CTR without history). */
export function adCtr(clicks: number, impressions: number, globalCtr: number, k: number): number {
  if (!(impressions > 0)) return globalCtr;
  return k === 0 ? clicks / impressions : (clicks + k * globalCtr) / (impressions + k);
}

/** The raw row of catalogue ad `a` with the given history (end of training by default). */
export function adRow(catalog: AdCatalog, a: number, history?: { impressions: number; clicks: number; globalCtr: number }): RawFeatureRow {
  const impressions = history?.impressions ?? catalog.impressions[a];
  const clicks = history?.clicks ?? catalog.clicks[a];
  return {
    ad_id: catalog.adId[a], category: catalog.category[a], advertiser_id: catalog.advertiserId[a], format: catalog.format[a], bid: catalog.bid[a],
    ad_impressions: impressions, ad_historical_ctr: adCtr(clicks, impressions, history?.globalCtr ?? catalog.globalCtr, catalog.ctrPriorStrength),
  };
}

/** A user as serving sees them: attributes, history, and the smoothed CTR in each category (category means where none). */
export interface UserProfile {
  userId: number;
  known: boolean;
  ageGroup: string;
  gender: string;
  country: string;
  ctr: number;
  impressions: number;
  /** (C) in the categories' order: smoothed CTR (the category mean without history), impressions, converted flag */
  categoryCtr: Float64Array;
  categoryImpressions: Float64Array;
  categoryConverted: Uint8Array;
  /** advertisers the user converted with */
  convertedAdvertisers: Set<number>;
}

export interface RequestContext {
  device: string;
  location: string;
  weekday: number;
  month: number;
  hour: number;
}

/** The raw user-tower row of a user in a context. */
export function userRow(user: UserProfile, context: RequestContext): RawFeatureRow {
  return {
    user_id: user.userId, user_impressions: user.known ? user.impressions : 0, age_group: user.ageGroup, gender: user.gender, country: user.country,
    user_historical_ctr: user.ctr, device: context.device, location: context.location, weekday: context.weekday, month: context.month, hour: context.hour,
  };
}

/** The user's category profile (2C): affinity to each category (0 at the category mean), then log1p impressions. */
export function userProfileVector(user: UserProfile, categoryMean: ArrayLike<number>, out = new Float32Array(2 * categoryMean.length)): Float32Array {
  categoryProfile(user.categoryCtr, user.categoryImpressions, categoryMean, out);
  return out;
}

/** The user tower's category block (W) of a user. */
export function userCategoryBlock(features: TowerFeatures, user: UserProfile, categoryMean: ArrayLike<number>): Float32Array {
  const out = new Float32Array(categoryBlockWidth(features, categoryMean.length));
  categoryBlock(features, userProfileVector(user, categoryMean), out);
  return out;
}

/** Profiles of users at the end of training, from the aggregate tables (what the online tables hold). */
export async function readUserProfiles(db: Db, userIds: readonly number[], categories: readonly string[], ctrPriorStrength: number): Promise<{ profiles: Map<number, UserProfile>; categoryMean: Float64Array; globalCtr: number }> {
  const globalCtr = Number(await db.scalar('SELECT ctr FROM fs_global'));
  const means = await db.rows('SELECT CAST(category AS VARCHAR) AS c, mean_ctr FROM fs_category_mean');
  const categoryMean = Float64Array.from(categories, (c) => Number(means.find((m) => m.c === c)?.mean_ctr ?? globalCtr));
  const wanted = [...new Set(userIds)];
  await db.run('CREATE OR REPLACE TEMP TABLE eval_users (user_id BIGINT)');
  for (let i = 0; i < wanted.length; i += 5000) await db.run(`INSERT INTO eval_users VALUES ${wanted.slice(i, i + 5000).map((u) => `(${u})`).join(',')}`);
  const k = ctrPriorStrength;
  const users = await db.rows(`SELECT u.user_id::DOUBLE AS id, CAST(u.age_group AS VARCHAR) AS a, CAST(u.gender AS VARCHAR) AS g, CAST(u.country AS VARCHAR) AS c,
      u.impressions::DOUBLE AS n, u.clicks::DOUBLE AS k FROM fs_user_row u JOIN eval_users w ON w.user_id = u.user_id`);
  const profiles = new Map<number, UserProfile>();
  for (const r of users) {
    const n = Number(r.n);
    profiles.set(Number(r.id), {
      userId: Number(r.id), known: true, ageGroup: String(r.a), gender: String(r.g), country: String(r.c), impressions: n,
      ctr: n > 0 ? (k === 0 ? Number(r.k) / n : (Number(r.k) + k * globalCtr) / (n + k)) : globalCtr,
      ...emptyHistory(categoryMean),
    });
  }
  const pairs = await db.rows(`SELECT uc.user_id::DOUBLE AS id, CAST(uc.category AS VARCHAR) AS c, ${smoothedCtr('uc.clicks', 'uc.impressions', `coalesce(cm.mean_ctr, ${globalCtr})`, k)} AS ctr,
      uc.impressions::DOUBLE AS n, uc.converted::DOUBLE AS v
      FROM fs_user_category uc JOIN eval_users w ON w.user_id = uc.user_id LEFT JOIN fs_category_mean cm ON cm.category = uc.category`);
  const code = new Map(categories.map((c, i) => [c, i]));
  for (const p of pairs) {
    const profile = profiles.get(Number(p.id));
    const c = code.get(String(p.c));
    if (!profile || c === undefined) continue;
    profile.categoryCtr[c] = Number(p.ctr);
    profile.categoryImpressions[c] = Number(p.n);
    profile.categoryConverted[c] = Number(p.v);
  }
  const conversions = await db.rows('SELECT ua.user_id::DOUBLE AS id, ua.advertiser_id::DOUBLE AS a FROM fs_user_advertiser ua JOIN eval_users w ON w.user_id = ua.user_id WHERE ua.converted = 1');
  for (const c of conversions) profiles.get(Number(c.id))?.convertedAdvertisers.add(Number(c.a));
  await db.run('DROP TABLE eval_users');
  return { profiles, categoryMean, globalCtr };
}

function emptyHistory(categoryMean: Float64Array): Pick<UserProfile, 'categoryCtr' | 'categoryImpressions' | 'categoryConverted' | 'convertedAdvertisers'> {
  const C = categoryMean.length;
  return { categoryCtr: Float64Array.from(categoryMean), categoryImpressions: new Float64Array(C), categoryConverted: new Uint8Array(C), convertedAdvertisers: new Set() };
}

/** A user the catalogue does not know: no attributes (OOV rows), the global CTR, the category means. */
export function unknownUser(userId: number, categoryMean: Float64Array, globalCtr: number): UserProfile {
  return { userId, known: false, ageGroup: '', gender: '', country: '', ctr: globalCtr, impressions: 0, ...emptyHistory(categoryMean) };
}

/**
 * The raw ranking row of a candidate: the user, the context, the ad and their crosses — the same columns as a
 * feature table row, so the FeatureMap encodes it exactly as it encoded training.
 */
export function candidateRow(user: UserProfile, context: RequestContext, catalog: AdCatalog, a: number, categoryCode: number): RawFeatureRow {
  return {
    ...userRow(user, context),
    ...adRow(catalog, a),
    ...Object.fromEntries(CROSS_COLUMNS.map((column) => [column, crossValue(column, user, categoryCode, catalog.advertiserId[a])])),
  };
}

export const CROSS_COLUMNS = ['user_x_category_ctr', 'user_x_category_impressions', 'user_x_category_converted', 'user_x_advertiser_converted'] as const;

/** A user × ad cross feature's raw value: the user's history in the ad's category, or with its advertiser. */
export function crossValue(column: string, user: UserProfile, categoryCode: number, advertiserId: number): number {
  const known = categoryCode >= 0;
  switch (column) {
    case 'user_x_category_ctr':
      return known ? user.categoryCtr[categoryCode] : user.ctr;
    case 'user_x_category_impressions':
      return known ? user.categoryImpressions[categoryCode] : 0;
    case 'user_x_category_converted':
      return known ? user.categoryConverted[categoryCode] : 0;
    case 'user_x_advertiser_converted':
      return user.convertedAdvertisers.has(advertiserId) ? 1 : 0;
    default:
      throw new Error(`assertion failed: no cross feature ${column}`);
  }
}


/** The ad catalogue of a run as serving holds it: the run's online ads table, in index order. */
export function catalogFromOnline(tables: OnlineTables): AdCatalog {
  const { ads, meta } = tables;
  return {
    adId: ads.adId, category: Array.from(ads.category, (c) => meta.categories[c]), advertiserId: ads.advertiserId, format: ads.format, bid: ads.bid,
    impressions: ads.impressions, clicks: ads.clicks, globalCtr: meta.globalCtr, ctrPriorStrength: meta.ctrPriorStrength,
  };
}
