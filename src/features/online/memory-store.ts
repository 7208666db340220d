// The in-process online store: the online tables held in typed arrays. Ids are found through flat hash
// indexes, each ad's values sit together in one record (one cache line), and a request first spreads the
// user's per-category values into a small array so that every candidate ad is O(1).
// Legend: U users, A ads, C categories, K candidate ads.
import type { OnlineMeta, OnlineTables } from './tables.js';
import { readOnlineTables } from './tables.js';
import { IdIndex } from './id-index.js';
import { emptyAdBatch, type FeatureLookup, type OnlineFeatureStore, type UserFeatures } from './store.js';

/** Fields of an ad record in `adRecords` (A, AD_FIELDS). */
const AD_CATEGORY = 0;
const AD_ADVERTISER = 1;
const AD_BID = 2;
const AD_CTR = 3;
const AD_FORMAT = 4;
const AD_FIELDS = 5;

/** Offsets of each user's slice in a table sorted by user_id: rows of user u are [start[u], start[u+1]). */
function sliceOffsets(sortedUserIds: Float64Array, users: IdIndex, userCount: number): Int32Array {
  const start = new Int32Array(userCount + 1);
  for (let i = 0; i < sortedUserIds.length; i++) {
    const u = users.get(sortedUserIds[i]);
    if (u >= 0) start[u + 1]++;
  }
  for (let u = 0; u < userCount; u++) start[u + 1] += start[u];
  return start;
}

export class MemoryFeatureStore implements OnlineFeatureStore {
  readonly kind = 'memory' as const;
  private readonly users: IdIndex;
  private readonly ads: IdIndex;
  private readonly adRecords: Float64Array; // (A, AD_FIELDS)
  private readonly categoryStart: Int32Array; // (U+1)
  private readonly advertiserStart: Int32Array; // (U+1)
  // per-request scratch: the user's CTR and conversion flag by category code
  private readonly categoryCtr: Float64Array; // (C)
  private readonly categoryConverted: Uint8Array; // (C)

  constructor(private readonly t: OnlineTables) {
    const userCount = t.users.userId.length;
    this.users = new IdIndex(t.users.userId);
    this.ads = new IdIndex(t.ads.adId);
    const formatCode = new Map(t.meta.formats.map((f, i) => [f, i]));
    this.adRecords = new Float64Array(t.ads.adId.length * AD_FIELDS);
    for (let a = 0; a < t.ads.adId.length; a++) {
      const r = a * AD_FIELDS;
      this.adRecords[r + AD_CATEGORY] = t.ads.category[a];
      this.adRecords[r + AD_ADVERTISER] = t.ads.advertiserId[a];
      this.adRecords[r + AD_BID] = t.ads.bid[a];
      this.adRecords[r + AD_CTR] = t.ads.ctr[a];
      this.adRecords[r + AD_FORMAT] = formatCode.get(t.ads.format[a]) ?? 0;
    }
    this.categoryStart = sliceOffsets(t.userCategory.userId, this.users, userCount);
    this.advertiserStart = sliceOffsets(t.userAdvertiser.userId, this.users, userCount);
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
    const { users, userCategory, userAdvertiser, meta } = this.t;
    const u = this.users.get(userId);
    const user: UserFeatures =
      u < 0
        ? { userId, known: false, ageGroup: '', gender: '', country: '', userHistoricalCtr: meta.globalCtr }
        : { userId, known: true, ageGroup: users.ageGroup[u], gender: users.gender[u], country: users.country[u], userHistoricalCtr: users.ctr[u] };
    this.categoryCtr.set(meta.categoryMeanCtr);
    this.categoryConverted.fill(0);
    let advLo = 0;
    let advHi = 0;
    if (u >= 0) {
      for (let j = this.categoryStart[u]; j < this.categoryStart[u + 1]; j++) {
        this.categoryCtr[userCategory.category[j]] = userCategory.ctr[j];
        this.categoryConverted[userCategory.category[j]] = userCategory.converted[j];
      }
      advLo = this.advertiserStart[u];
      advHi = this.advertiserStart[u + 1];
    }
    const batch = emptyAdBatch(adIds.length);
    const records = this.adRecords;
    for (let i = 0; i < adIds.length; i++) {
      const a = this.ads.get(adIds[i]);
      if (a < 0) continue;
      const r = a * AD_FIELDS;
      const category = records[r + AD_CATEGORY];
      const advertiser = records[r + AD_ADVERTISER];
      batch.found[i] = 1;
      batch.category[i] = meta.categories[category];
      batch.advertiserId[i] = advertiser;
      batch.format[i] = meta.formats[records[r + AD_FORMAT]];
      batch.bid[i] = records[r + AD_BID];
      batch.adHistoricalCtr[i] = records[r + AD_CTR];
      batch.userXCategoryCtr[i] = this.categoryCtr[category];
      batch.userXCategoryConverted[i] = this.categoryConverted[category];
      batch.userXAdvertiserConverted[i] = advHi > advLo && binarySearch(userAdvertiser.advertiserId, advLo, advHi, advertiser) ? 1 : 0;
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
