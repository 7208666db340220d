// The features adrank derives from the seed's schema, as data: each has a name, the side of the request it
// belongs to (user, ad, context, or the user × ad cross), the feature-table column it reads and, for numericals,
// a transform. The FeatureMap fits an encoder for every one of them; a model config picks features by name, and
// the ranker splits its work by side (user and context once per request, ad once per ad, crosses per candidate).
// Another schema slots in as another list.
import { AGE_GROUPS, DEVICES, GENDERS } from '../data/schema.js';

/** user: the requesting user; context: the moment and device; ad: the candidate; cross: the user × ad pair. */
export type FeatureSide = 'user' | 'context' | 'ad' | 'cross';

export interface CategoricalFeature {
  name: string;
  side: FeatureSide;
  /** feature-table column */
  column: string;
  /** a value set fixed by the schema (kept in this order); otherwise read from the training rows by frequency */
  fixedValues?: readonly string[];
}

export type NumericalTransform = 'none' | 'log1p' | 'log';

export interface NumericalFeature {
  name: string;
  side: FeatureSide;
  column: string;
  transform: NumericalTransform;
}

const range = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** Categorical attributes, in the seed's embedding order, then the hour of day as a category. */
export const CATEGORICAL_FEATURES: readonly CategoricalFeature[] = [
  { name: 'age_group', side: 'user', column: 'age_group', fixedValues: AGE_GROUPS },
  { name: 'gender', side: 'user', column: 'gender', fixedValues: GENDERS },
  { name: 'country', side: 'user', column: 'country' },
  { name: 'device', side: 'context', column: 'device', fixedValues: DEVICES },
  { name: 'location', side: 'context', column: 'location' },
  { name: 'weekday', side: 'context', column: 'weekday', fixedValues: range(1, 7) },
  { name: 'month', side: 'context', column: 'month', fixedValues: range(1, 12) },
  { name: 'category', side: 'ad', column: 'category' },
  { name: 'advertiser_id', side: 'ad', column: 'advertiser_id' },
  { name: 'format', side: 'ad', column: 'format' },
  { name: 'hour', side: 'context', column: 'hour', fixedValues: range(0, 23) },
];

/** The two id fields: embedded like categories, encoded by id encoders (dense, or dense + hashed). */
export const ID_FEATURES = [
  { name: 'user_id', side: 'user', column: 'user_id' },
  { name: 'ad_id', side: 'ad', column: 'ad_id' },
] as const satisfies readonly { name: string; side: FeatureSide; column: string }[];

export type IdField = (typeof ID_FEATURES)[number]['name'];

/**
 * Numerical features: the seed's seven (in its order: the user tower's five, then the ad tower's two), then the
 * history counts beside the CTRs (log1p of impressions before the event) and the log of the bid.
 */
export const NUMERICAL_FEATURES: readonly NumericalFeature[] = [
  { name: 'hour', side: 'context', column: 'hour', transform: 'none' },
  { name: 'user_historical_ctr', side: 'user', column: 'user_historical_ctr', transform: 'none' },
  { name: 'user_x_category_ctr', side: 'cross', column: 'user_x_category_ctr', transform: 'none' },
  { name: 'user_x_advertiser_converted', side: 'cross', column: 'user_x_advertiser_converted', transform: 'none' },
  { name: 'user_x_category_converted', side: 'cross', column: 'user_x_category_converted', transform: 'none' },
  { name: 'bid', side: 'ad', column: 'bid', transform: 'none' },
  { name: 'ad_historical_ctr', side: 'ad', column: 'ad_historical_ctr', transform: 'none' },
  { name: 'user_impressions_log', side: 'user', column: 'user_impressions', transform: 'log1p' },
  { name: 'ad_impressions_log', side: 'ad', column: 'ad_impressions', transform: 'log1p' },
  { name: 'user_x_category_impressions_log', side: 'cross', column: 'user_x_category_impressions', transform: 'log1p' },
  { name: 'bid_log', side: 'ad', column: 'bid', transform: 'log' },
];

/** The seed's twelve embedded fields and seven numericals, in its order. */
export const SEED_CATEGORICAL = ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'category', 'advertiser_id', 'format', 'user_id', 'ad_id'] as const;
export const SEED_NUMERICAL = ['hour', 'user_historical_ctr', 'user_x_category_ctr', 'user_x_advertiser_converted', 'user_x_category_converted', 'bid', 'ad_historical_ctr'] as const;

/** The transform of a raw value; guarded so a bad value can never become NaN or ±∞ (log of 0 → log of its floor). */
export function transformValue(transform: NumericalTransform, x: number): number {
  switch (transform) {
    case 'none':
      return x;
    case 'log1p':
      return Math.log1p(Math.max(0, x));
    case 'log':
      return Math.log(Math.max(1e-12, x));
  }
}

/** The same transform as SQL over a column expression. */
export function transformSql(transform: NumericalTransform, column: string): string {
  switch (transform) {
    case 'none':
      return `CAST(${column} AS DOUBLE)`;
    case 'log1p':
      return `ln(1 + greatest(0, CAST(${column} AS DOUBLE)))`;
    case 'log':
      return `ln(greatest(1e-12, CAST(${column} AS DOUBLE)))`;
  }
}
