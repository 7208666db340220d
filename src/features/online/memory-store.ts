// The in-process online store: the online tables held in typed arrays, looked up with hash maps and
// per-user sorted slices (CSR) of user×category and user×advertiser values.
import type { OnlineMeta, OnlineTables } from './tables.js';
import { readOnlineTables } from './tables.js';
import { emptyAdBatch, type FeatureLookup, type OnlineFeatureStore, type UserFeatures } from './store.js';

/** Offsets of each user's slice in a table sorted by user_id: rows of users[u] are [start[u], start[u+1]). */
function sliceOffsets(sortedUserIds: Float64Array, userIndex: Map<number, number>, users: number): Int32Array {
  const start = new Int32Array(users + 1);
  for (let i = 0; i < sortedUserIds.length; i++) {
    const u = userIndex.get(sortedUserIds[i]);
    if (u !== undefined) start[u + 1]++;
  }
  for (let u = 0; u < users; u++) start[u + 1] += start[u];
  return start;
}

export class MemoryFeatureStore implements OnlineFeatureStore {
  readonly kind = 'memory' as const;
  private readonly userIndex: Map<number, number>;
  private readonly adIndex: Map<number, number>;
  private readonly categoryStart: Int32Array;
  private readonly advertiserStart: Int32Array;

  constructor(private readonly t: OnlineTables) {
    this.userIndex = new Map();
    t.users.userId.forEach((id, i) => this.userIndex.set(id, i));
    this.adIndex = new Map();
    t.ads.adId.forEach((id, i) => this.adIndex.set(id, i));
    this.categoryStart = sliceOffsets(t.userCategory.userId, this.userIndex, t.users.userId.length);
    this.advertiserStart = sliceOffsets(t.userAdvertiser.userId, this.userIndex, t.users.userId.length);
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
    const { users, ads, userCategory, userAdvertiser, meta } = this.t;
    const u = this.userIndex.get(userId);
    const user: UserFeatures =
      u === undefined
        ? { userId, known: false, ageGroup: '', gender: '', country: '', userHistoricalCtr: meta.globalCtr }
        : { userId, known: true, ageGroup: users.ageGroup[u], gender: users.gender[u], country: users.country[u], userHistoricalCtr: users.ctr[u] };
    const batch = emptyAdBatch(adIds.length);
    const catLo = u === undefined ? 0 : this.categoryStart[u];
    const catHi = u === undefined ? 0 : this.categoryStart[u + 1];
    const advLo = u === undefined ? 0 : this.advertiserStart[u];
    const advHi = u === undefined ? 0 : this.advertiserStart[u + 1];
    for (let i = 0; i < adIds.length; i++) {
      const a = this.adIndex.get(adIds[i]);
      if (a === undefined) continue;
      const category = ads.category[a];
      const advertiser = ads.advertiserId[a];
      batch.found[i] = 1;
      batch.category[i] = meta.categories[category];
      batch.advertiserId[i] = advertiser;
      batch.format[i] = ads.format[a];
      batch.bid[i] = ads.bid[a];
      batch.adHistoricalCtr[i] = ads.ctr[a];
      batch.userXCategoryCtr[i] = meta.categoryMeanCtr[category];
      // a user has history in at most a few dozen categories: a linear scan of the slice is fastest
      for (let j = catLo; j < catHi; j++) {
        if (userCategory.category[j] === category) {
          batch.userXCategoryCtr[i] = userCategory.ctr[j];
          batch.userXCategoryConverted[i] = userCategory.converted[j];
          break;
        }
      }
      batch.userXAdvertiserConverted[i] = binarySearch(userAdvertiser.advertiserId, advLo, advHi, advertiser) ? 1 : 0;
    }
    return { user, ads: batch };
  }

  async close(): Promise<void> {}
}

/** Whether `value` is in sorted[from, to). */
function binarySearch(sorted: Float64Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < to && sorted[lo] === value;
}
