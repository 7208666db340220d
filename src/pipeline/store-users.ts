// The ranker's view of a user from an online store: the store's record mapped onto the run's categories (by name,
// so a store version with other category codes still reads right), with the category means where the user has
// no history. An unknown user is null; a failing store rejects with STORE_UNAVAILABLE, and the ranker falls back.
import type { OnlineFeatureStore } from '../features/online/store.js';
import type { OnlineMeta } from '../features/online/tables.js';
import type { UserProfile } from './tower-inputs.js';

/** Where a user's online features are read: a profile, or null for a user the store does not know. */
export interface UserSource {
  user(userId: number): Promise<UserProfile | null>;
  readonly categoryMean: Float64Array;
  readonly globalCtr: number;
}

export class StoreUsers implements UserSource {
  readonly categoryMean: Float64Array;
  readonly globalCtr: number;
  private readonly index: Map<string, number>;

  /** `meta`: the run's online meta; `categories`: the run's categories in its models' order. */
  constructor(private readonly store: OnlineFeatureStore, meta: OnlineMeta, private readonly categories: readonly string[]) {
    this.index = new Map(categories.map((c, i) => [c, i]));
    this.categoryMean = Float64Array.from(categories, (c) => {
      const code = meta.categories.indexOf(c);
      return code >= 0 ? meta.categoryMeanCtr[code] : meta.globalCtr;
    });
    this.globalCtr = meta.globalCtr;
  }

  async user(userId: number): Promise<UserProfile | null> {
    const { user, meta } = await this.store.user(userId);
    if (!user) return null;
    const C = this.categories.length;
    const profile: UserProfile = {
      userId, known: true, ageGroup: user.ageGroup, gender: user.gender, country: user.country, ctr: user.ctr, impressions: user.impressions,
      categoryCtr: Float64Array.from(this.categoryMean), categoryImpressions: new Float64Array(C), categoryConverted: new Uint8Array(C),
      convertedAdvertisers: new Set(user.convertedAdvertisers),
    };
    for (const entry of user.categories) {
      const c = this.index.get(meta.categories[entry.code]);
      if (c === undefined) continue;
      profile.categoryCtr[c] = entry.ctr;
      profile.categoryImpressions[c] = entry.impressions;
      profile.categoryConverted[c] = entry.converted;
    }
    return profile;
  }
}
