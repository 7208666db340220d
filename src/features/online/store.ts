// The online feature store: what serving reads for one request — the user's attributes and aggregates,
// and for up to ~1000 candidate ads their attributes, aggregates and the user×ad-category / user×advertiser
// values — in one batched call. Implementations: in-process memory (default) and Redis.
// Legend: K candidate ads.

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

export interface OnlineFeatureStore {
  readonly kind: 'memory' | 'redis';
  /** One user and K candidate ads in one call, all from one version. Rejects with STORE_UNAVAILABLE when the
   *  backend fails, so the caller can fall back. */
  lookup(userId: number, adIds: ArrayLike<number>): Promise<FeatureLookup>;
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
