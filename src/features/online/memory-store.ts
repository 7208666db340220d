// The in-process online store: the online tables held in typed arrays. Ids are found arithmetically or
// through flat hash indexes (idLookup), each ad's values sit together in one record (one cache line), and a
// request first spreads the user's per-category values into a small array so that every candidate ad is O(1).
// Legend: U users, A ads, C categories, K candidate ads.
import type { OnlineMeta, OnlineTables } from './tables.js';
import { adRecordOf, readOnlineTables } from './tables.js';
import { idLookup } from './id-index.js';
import { AD_FIELDS, fillCandidate, writeRecord, type UserAdValues } from './ad-record.js';
import { containsSorted, groupByUser, type UserSlices } from './user-slices.js';
import { emptyAdBatch, type FeatureLookup, type OnlineFeatureStore, type StoredUser, type UserFeatures, type UserLookup } from './store.js';

export class MemoryFeatureStore implements OnlineFeatureStore {
  readonly kind = 'memory' as const;
  private readonly userRow: (id: number) => number;
  private readonly adRow: (id: number) => number;
  private readonly adRecords: Float64Array; // (A, AD_FIELDS)
  private readonly slices: UserSlices; // user×category and user×advertiser rows by user row
  // per-request scratch: the user's CTR and conversion flag by category code
  private readonly categoryCtr: Float64Array; // (C)
  private readonly categoryConverted: Uint8Array; // (C)

  constructor(private readonly t: OnlineTables) {
    this.userRow = idLookup(t.users.userId);
    this.adRow = idLookup(t.ads.adId);
    this.adRecords = new Float64Array(t.ads.adId.length * AD_FIELDS);
    for (let a = 0; a < t.ads.adId.length; a++) writeRecord(this.adRecords, a * AD_FIELDS, adRecordOf(t, a));
    this.slices = groupByUser(t, this.userRow);
    this.categoryCtr = new Float64Array(t.meta.categories.length);
    this.categoryConverted = new Uint8Array(t.meta.categories.length);
  }

  static async open(runDir: string): Promise<MemoryFeatureStore> {
    return new MemoryFeatureStore(await readOnlineTables(runDir));
  }

  get meta(): OnlineMeta {
    return this.t.meta;
  }

  async lookup(userId: number, adIds: ArrayLike<number>): Promise<FeatureLookup> {
    return this.lookupSync(userId, adIds);
  }

  lookupSync(userId: number, adIds: ArrayLike<number>): FeatureLookup {
    const { users, meta } = this.t;
    const s = this.slices;
    const u = this.userRow(userId);
    const user: UserFeatures =
      u < 0
        ? { userId, known: false, ageGroup: '', gender: '', country: '', userHistoricalCtr: meta.globalCtr }
        : { userId, known: true, ageGroup: users.ageGroup[u], gender: users.gender[u], country: users.country[u], userHistoricalCtr: users.ctr[u] };
    const values: UserAdValues = { categoryCtr: this.categoryCtr, categoryConverted: this.categoryConverted, convertedWith: () => false };
    values.categoryCtr.set(meta.categoryMeanCtr);
    values.categoryConverted.fill(0);
    if (u >= 0) {
      for (let j = s.categoryStart[u]; j < s.categoryStart[u + 1]; j++) {
        values.categoryCtr[s.categoryCode[j]] = s.categoryCtr[j];
        values.categoryConverted[s.categoryCode[j]] = s.categoryConverted[j];
      }
      const lo = s.advertiserStart[u];
      const hi = s.advertiserStart[u + 1];
      if (hi > lo) values.convertedWith = (advertiser) => containsSorted(s.advertiserId, lo, hi, advertiser);
    }
    const batch = emptyAdBatch(adIds.length);
    for (let i = 0; i < adIds.length; i++) {
      const a = this.adRow(adIds[i]);
      if (a >= 0) fillCandidate(batch, i, this.adRecords, a * AD_FIELDS, meta, values);
    }
    return { user, ads: batch, version: 'memory' };
  }

  async user(userId: number): Promise<UserLookup> {
    return { user: this.userSync(userId), version: 'memory', meta: this.t.meta };
  }

  userSync(userId: number): StoredUser | null {
    const u = this.userRow(userId);
    if (u < 0) return null;
    const { users } = this.t;
    const s = this.slices;
    const categories = [];
    for (let j = s.categoryStart[u]; j < s.categoryStart[u + 1]; j++) {
      categories.push({ code: s.categoryCode[j], ctr: s.categoryCtr[j], impressions: s.categoryImpressions[j], converted: s.categoryConverted[j] });
    }
    return {
      userId, ageGroup: users.ageGroup[u], gender: users.gender[u], country: users.country[u], ctr: users.ctr[u], impressions: users.impressions[u],
      categories, convertedAdvertisers: Array.from(s.advertiserId.subarray(s.advertiserStart[u], s.advertiserStart[u + 1])),
    };
  }

  async close(): Promise<void> {}
}
