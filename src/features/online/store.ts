// The online feature store: what serving reads for one request — the user's attributes and aggregates,
// and for up to ~1000 candidate ads their attributes, aggregates and the user×ad-category / user×advertiser
// values — in one batched call. Implementations: in-process memory (default) and Redis.
// Legend: K candidate ads.
import type { OnlineMeta } from './tables.js';

/** Features of the requesting user. For a user unknown to the store `known` is false, the attributes are
 *  empty strings (the encoder maps them to OOV rows) and the CTR is the global CTR. */
export interface UserFeatures {
  userId: number;
  known: boolean;
  ageGroup: string;
  gender: string;
  country: string;
  userHistoricalCtr: number;
}

/** Columns of K candidate ads, in request order. Ads unknown to the store have found[i] = 0 and zeros elsewhere. */
export interface AdFeatureBatch {
  count: number;
  found: Uint8Array;
  category: string[];
  advertiserId: Float64Array;
  format: string[];
  bid: Float64Array;
  adHistoricalCtr: Float64Array;
  userXCategoryCtr: Float64Array;
  userXAdvertiserConverted: Uint8Array;
  userXCategoryConverted: Uint8Array;
}

export interface FeatureLookup {
  user: UserFeatures;
  ads: AdFeatureBatch;
  /** the one version of the features that answered the whole lookup: 'memory' for the in-process store, the
   *  published version (v1, v2, …) for Redis */
  version: string;
}

/** A known user's whole online record: attributes, history and every user×category / user×advertiser value — all a
 *  ranker needs before it knows the candidates (the ads' own values are the run's, held by the ranker). */
export interface StoredUser {
  userId: number;
  ageGroup: string;
  gender: string;
  country: string;
  ctr: number;
  impressions: number;
  /** categories with history (codes into meta.categories) with the smoothed CTR, impressions and conversion flag */
  categories: { code: number; ctr: number; impressions: number; converted: number }[];
  convertedAdvertisers: number[];
}

export interface UserLookup {
  /** null for a user the store does not know */
  user: StoredUser | null;
  version: string;
  /** the answering version's meta: its category codes, category means and global CTR */
  meta: OnlineMeta;
}

export interface OnlineFeatureStore {
  readonly kind: 'memory' | 'redis';
  /** One user and K candidate ads in one call, all from one version. Rejects with STORE_UNAVAILABLE when the
   *  backend fails, so the caller can fall back. */
  lookup(userId: number, adIds: ArrayLike<number>): Promise<FeatureLookup>;
  /** One user's whole record (one round trip for Redis); rejects with STORE_UNAVAILABLE like lookup. */
  user(userId: number): Promise<UserLookup>;
  close(): Promise<void>;
}

export function emptyAdBatch(count: number): AdFeatureBatch {
  return {
    count,
    found: new Uint8Array(count),
    category: new Array<string>(count).fill(''),
    advertiserId: new Float64Array(count),
    format: new Array<string>(count).fill(''),
    bid: new Float64Array(count),
    adHistoricalCtr: new Float64Array(count),
    userXCategoryCtr: new Float64Array(count),
    userXAdvertiserConverted: new Uint8Array(count),
    userXCategoryConverted: new Uint8Array(count),
  };
}
