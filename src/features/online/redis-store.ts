// The Redis online store: follows NS:current (re-read at most every `pointerRefreshMs`), and answers a
// lookup with one MGET of the user's key and the K ad keys.
import type { Redis } from 'ioredis';
import { AdrankError } from '../../core/errors.js';
import type { OnlineMeta } from './tables.js';
import { connectRedis, storeUnavailable, type RedisOptions } from './redis-client.js';
import { adKey, decodeAdRecord, metaKey, pointerKey, userKey, type AdRecord, type UserRecord } from './redis-layout.js';
import { emptyAdBatch, type FeatureLookup, type OnlineFeatureStore, type UserFeatures } from './store.js';

export interface RedisStoreOptions extends RedisOptions {
  namespace: string;
  pointerRefreshMs?: number;
}

export class RedisFeatureStore implements OnlineFeatureStore {
  readonly kind = 'redis' as const;
  private version = '';
  private meta!: OnlineMeta;
  private pointerReadAt = 0;
  private readonly ad: AdRecord = { category: 0, advertiserId: 0, bid: 0, ctr: 0, format: 0 };

  private constructor(
    private readonly client: Redis,
    private readonly url: string,
    private readonly options: RedisStoreOptions,
  ) {}

  /** Connects and reads the current version; fails with STORE_UNAVAILABLE when Redis is down or empty. */
  static async connect(url: string, options: RedisStoreOptions): Promise<RedisFeatureStore> {
    const client = await connectRedis(url, { commandTimeoutMs: options.commandTimeoutMs ?? 200, connectTimeoutMs: options.connectTimeoutMs });
    const store = new RedisFeatureStore(client, url, options);
    try {
      await store.refreshPointer(true);
    } catch (e) {
      client.disconnect();
      throw e;
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
    const version = await this.client.get(pointerKey(ns));
    if (!version) {
      throw new AdrankError('STORE_UNAVAILABLE', `Redis at ${this.url} has no materialized features under "${ns}"`, {
        location: { field: 'namespace', value: ns },
        hint: 'run `adrank materialize --run RUN --redis URL` first',
      });
    }
    if (version !== this.version) {
      const meta = await this.client.get(metaKey(ns, version));
      if (!meta) throw new AdrankError('STORE_UNAVAILABLE', `version ${version} has no meta record`, { hint: 'materialize again' });
      this.meta = JSON.parse(meta) as OnlineMeta;
      this.version = version;
    }
    this.pointerReadAt = now;
  }

  async lookup(userId: number, adIds: ArrayLike<number>): Promise<FeatureLookup> {
    const ns = this.options.namespace;
    let values: (Buffer | null)[];
    try {
      await this.refreshPointer();
      const keys = new Array<string>(adIds.length + 1);
      keys[0] = userKey(ns, this.version, userId);
      for (let i = 0; i < adIds.length; i++) keys[i + 1] = adKey(ns, this.version, adIds[i]);
      values = await this.client.mgetBuffer(keys);
    } catch (e) {
      if (e instanceof AdrankError) throw e;
      throw storeUnavailable(this.url, e);
    }
    const meta = this.meta;
    const userRecord = values[0] ? (JSON.parse(values[0].toString('utf8')) as UserRecord) : null;
    const user: UserFeatures = userRecord
      ? { userId, known: true, ageGroup: userRecord[0], gender: userRecord[1], country: userRecord[2], userHistoricalCtr: userRecord[3] }
      : { userId, known: false, ageGroup: '', gender: '', country: '', userHistoricalCtr: meta.globalCtr };
    const categories = userRecord ? userRecord[4] : [];
    const advertisers = userRecord ? userRecord[5] : [];
    const batch = emptyAdBatch(adIds.length);
    const ad = this.ad;
    for (let i = 0; i < adIds.length; i++) {
      const record = values[i + 1];
      if (!record || !decodeAdRecord(record, ad)) continue;
      batch.found[i] = 1;
      batch.category[i] = meta.categories[ad.category];
      batch.advertiserId[i] = ad.advertiserId;
      batch.format[i] = meta.formats[ad.format] ?? '';
      batch.bid[i] = ad.bid;
      batch.adHistoricalCtr[i] = ad.ctr;
      batch.userXCategoryCtr[i] = meta.categoryMeanCtr[ad.category];
      for (const [code, ctr, converted] of categories) {
        if (code === ad.category) {
          batch.userXCategoryCtr[i] = ctr;
          batch.userXCategoryConverted[i] = converted;
          break;
        }
      }
      batch.userXAdvertiserConverted[i] = advertisers.includes(ad.advertiserId) ? 1 : 0;
    }
    return { user, ads: batch };
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
