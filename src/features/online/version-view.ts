// One published version as a reader sees it: its meta, its key names and a near cache of its ad records. A
// version never changes once published, so caching its records is exact; a new version gets a new view, and a
// lookup holds on to the view it started with, so each answer comes from exactly one version.
// Legend: K candidate ads, S ad shards.
import { IdIndex } from './id-index.js';
import { AD_FIELDS, writeRecord, type AdRecord } from './ad-record.js';
import { adShardKey, shardOf, userShardKey, type ShardLayout, type VersionMeta } from './redis-layout.js';
import type { OnlineMeta } from './tables.js';

/** Fields per HMGET at most: a request with more candidates in one shard sends several (arguments are spread). */
const MAX_FIELDS_PER_COMMAND = 4096;

/** The candidates a lookup must fetch, by ad shard: field names (ad ids) and their positions among the K candidates. */
export interface FetchPlan {
  slots: Int32Array; // (K) near-cache slot of each candidate, -1 when it must be fetched
  shards: { shard: number; fields: string[]; positions: number[] }[];
}

export class VersionView {
  readonly online: OnlineMeta;
  readonly layout: ShardLayout;
  private readonly userKeys: string[];
  readonly adKeys: string[]; // (S)
  // near cache: ad id → slot; the record of slot s is cached[s * AD_FIELDS, (s + 1) * AD_FIELDS)
  private readonly cacheIndex = new IdIndex();
  private records = new Float64Array(1024 * AD_FIELDS);

  constructor(
    readonly namespace: string,
    readonly version: string,
    meta: VersionMeta,
    private readonly cacheSize: number,
  ) {
    this.online = meta.online;
    this.layout = meta.layout;
    this.userKeys = Array.from({ length: meta.layout.userShards }, (_, s) => userShardKey(namespace, version, s));
    this.adKeys = Array.from({ length: meta.layout.adShards }, (_, s) => adShardKey(namespace, version, s));
  }

  userKey(userId: number): string {
    return this.userKeys[shardOf(userId, this.layout.userShards)];
  }

  /** Which candidates are cached, and which to fetch from which shard. */
  plan(adIds: ArrayLike<number>): FetchPlan {
    const slots = new Int32Array(adIds.length);
    const shards: FetchPlan['shards'] = [];
    const open = new Map<number, FetchPlan['shards'][number]>(); // shard → its group still taking fields
    for (let i = 0; i < adIds.length; i++) {
      slots[i] = this.cacheIndex.get(adIds[i]);
      if (slots[i] >= 0) continue;
      const shard = shardOf(adIds[i], this.layout.adShards);
      let group = open.get(shard);
      if (!group || group.fields.length === MAX_FIELDS_PER_COMMAND) {
        shards.push((group = { shard, fields: [], positions: [] }));
        open.set(shard, group);
      }
      group.fields.push(String(adIds[i]));
      group.positions.push(i);
    }
    return { slots, shards };
  }

  /** The near cache's records (AD_FIELDS doubles per slot); read it after the last `cache` call of a lookup. */
  get cachedRecords(): Float64Array {
    return this.records;
  }

  /** Keeps a decoded ad record, unless the cache is full or the ad is cached already. */
  cache(adId: number, ad: AdRecord): void {
    if (this.cacheIndex.size >= this.cacheSize || this.cacheIndex.get(adId) >= 0) return;
    const slot = this.cacheIndex.add(adId);
    if ((slot + 1) * AD_FIELDS > this.records.length) {
      const grown = new Float64Array(this.records.length * 2);
      grown.set(this.records);
      this.records = grown;
    }
    writeRecord(this.records, slot * AD_FIELDS, ad);
  }
}
