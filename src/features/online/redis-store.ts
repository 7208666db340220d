// The Redis online store: follows NS:current (re-read at most every `pointerRefreshMs`) and answers a lookup
// with one round trip: GET of the user's key pipelined with HMGET of the candidate ads, through the lean RESP
// client. A version never changes once published, so ad records are kept in a near cache scoped to the
// version (up to `adCacheSize` ads; 0 disables it): a warm lookup asks Redis only for the user.
import { AdrankError } from '../../core/errors.js';
import type { OnlineMeta } from './tables.js';
import { storeUnavailable, type RedisOptions } from './redis-client.js';
import { RespClient } from './resp-client.js';
import { IdIndex } from './id-index.js';
import { AD_FIELDS, decodeAdRecord, fillCandidate, writeRecord, type AdRecord, type UserAdValues } from './ad-record.js';
import { adsKey, metaKey, pointerKey, userKey, type UserRecord } from './redis-layout.js';
import { emptyAdBatch, type FeatureLookup, type OnlineFeatureStore, type UserFeatures } from './store.js';

export interface RedisStoreOptions extends RedisOptions {
  namespace: string;
  pointerRefreshMs?: number;
  /** ads kept in the near cache (default 1,000,000; 0 = fetch every ad every time); a full cache stops growing */
  adCacheSize?: number;
}

export class RedisFeatureStore implements OnlineFeatureStore {
  readonly kind = 'redis' as const;
  private version = '';
  private meta!: OnlineMeta;
  private pointerReadAt = 0;
  // near cache: ad id → slot in `cached`, which holds each ad's decoded record (slots, AD_FIELDS)
  private cacheIndex = new IdIndex();
  private cached = new Float64Array(1024 * AD_FIELDS);
  private readonly ad: AdRecord = { category: 0, advertiserId: 0, bid: 0, ctr: 0, format: 0 };

  private constructor(
    private readonly client: RespClient,
    private readonly url: string,
    private readonly options: RedisStoreOptions,
  ) {}

  /** Connects and reads the current version; fails with STORE_UNAVAILABLE when Redis is down or empty. */
  static async connect(url: string, options: RedisStoreOptions): Promise<RedisFeatureStore> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AdrankError('BAD_ARGUMENT', `not a Redis URL: ${url}`, { location: { field: 'redis', value: url }, hint: 'e.g. redis://127.0.0.1:6379' });
    }
    const client = new RespClient(parsed, { connectTimeoutMs: options.connectTimeoutMs ?? 2000, commandTimeoutMs: options.commandTimeoutMs ?? 200 });
    const store = new RedisFeatureStore(client, url, options);
    try {
      await store.refreshPointer(true);
    } catch (e) {
      client.close();
      if (e instanceof AdrankError) throw e;
      throw new AdrankError('STORE_UNAVAILABLE', `cannot connect to Redis at ${url}: ${(e as Error).message}`, {
        location: { field: 'redis', value: url },
        hint: 'start redis-server or pass the right --redis URL (e.g. redis://127.0.0.1:6379)',
      });
    }
    return store;
  }

  get currentVersion(): string {
    return this.version;
  }

  private async refreshPointer(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.pointerReadAt < (this.options.pointerRefreshMs ?? 1000)) return;
    const ns = this.options.namespace;
    const version = (await this.client.get(pointerKey(ns)))?.toString('utf8');
    if (!version) {
      throw new AdrankError('STORE_UNAVAILABLE', `Redis at ${this.url} has no materialized features under "${ns}"`, {
        location: { field: 'namespace', value: ns },
        hint: 'run `adrank materialize --run RUN --redis URL` first',
      });
    }
    if (version !== this.version) {
      const meta = await this.client.get(metaKey(ns, version));
      if (!meta) throw new AdrankError('STORE_UNAVAILABLE', `version ${version} has no meta record`, { hint: 'materialize again' });
      this.meta = JSON.parse(meta.toString('utf8')) as OnlineMeta;
      this.version = version;
      this.cacheIndex = new IdIndex();
    }
    this.pointerReadAt = now;
  }

  /** Keeps a decoded ad record; returns its slot, or -1 when the cache is full. */
  private cache(adId: number, ad: AdRecord): number {
    if (this.cacheIndex.size >= (this.options.adCacheSize ?? 1_000_000)) return -1;
    const slot = this.cacheIndex.add(adId);
    if ((slot + 1) * AD_FIELDS > this.cached.length) {
      const grown = new Float64Array(this.cached.length * 2);
      grown.set(this.cached);
      this.cached = grown;
    }
    writeRecord(this.cached, slot * AD_FIELDS, ad);
    return slot;
  }

  async lookup(userId: number, adIds: ArrayLike<number>): Promise<FeatureLookup> {
    const ns = this.options.namespace;
    const K = adIds.length;
    // each candidate's record: a near-cache slot, or (for ads fetched now) a place in `fetched`
    const slots = new Int32Array(K);
    const fetchedAt = new Int32Array(K).fill(-1);
    const fetched = new Float64Array(K * AD_FIELDS);
    const found = new Uint8Array(K);
    let userValue: Buffer | null;
    try {
      await this.refreshPointer();
      const missing: string[] = [];
      const missingAt: number[] = [];
      for (let i = 0; i < K; i++) {
        slots[i] = this.cacheIndex.get(adIds[i]);
        if (slots[i] < 0) {
          missing.push(String(adIds[i]));
          missingAt.push(i);
        } else found[i] = 1;
      }
      const user = this.client.get(userKey(ns, this.version, userId));
      const ads = missing.length ? this.client.command(['HMGET', adsKey(ns, this.version), ...missing]) : Promise.resolve([]);
      const [userReply, adReplies] = await Promise.all([user, ads]);
      userValue = userReply;
      (adReplies as (Buffer | null)[]).forEach((value, j) => {
        const i = missingAt[j];
        if (!value || !decodeAdRecord(value, this.ad)) return;
        found[i] = 1;
        fetchedAt[i] = j;
        writeRecord(fetched, j * AD_FIELDS, this.ad);
        this.cache(adIds[i], this.ad);
      });
    } catch (e) {
      if (e instanceof AdrankError) throw e;
      throw storeUnavailable(this.url, e);
    }
    const meta = this.meta;
    const userRecord = userValue ? (JSON.parse(userValue.toString('utf8')) as UserRecord) : null;
    const user: UserFeatures = userRecord
      ? { userId, known: true, ageGroup: userRecord[0], gender: userRecord[1], country: userRecord[2], userHistoricalCtr: userRecord[3] }
      : { userId, known: false, ageGroup: '', gender: '', country: '', userHistoricalCtr: meta.globalCtr };
    // the user's values by category code, defaulting to the category means
    const values: UserAdValues = { categoryCtr: Float64Array.from(meta.categoryMeanCtr), categoryConverted: new Uint8Array(meta.categories.length), convertedWith: () => false };
    if (userRecord) {
      for (const [code, ctr, converted] of userRecord[4]) {
        values.categoryCtr[code] = ctr;
        values.categoryConverted[code] = converted;
      }
      const advertisers = new Set(userRecord[5]);
      if (advertisers.size) values.convertedWith = (advertiser) => advertisers.has(advertiser);
    }
    const batch = emptyAdBatch(K);
    for (let i = 0; i < K; i++) {
      if (!found[i]) continue;
      if (fetchedAt[i] >= 0) fillCandidate(batch, i, fetched, fetchedAt[i] * AD_FIELDS, meta, values);
      else fillCandidate(batch, i, this.cached, slots[i] * AD_FIELDS, meta, values);
    }
    return { user, ads: batch };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
