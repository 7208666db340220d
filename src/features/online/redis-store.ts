// The Redis online store (one server or a cluster): follows {NS}:current, re-read at most every
// `pointerRefreshMs`, and answers a lookup in one round trip — HGET of the user's shard together with one HMGET per
// ad shard holding uncached candidates (ioredis sends the commands of one tick together, per node). Each lookup
// keeps the VersionView it started with, so an answer never mixes two versions, whatever other lookups do.
// Legend: K candidate ads.
import { AdrankError } from '../../core/errors.js';
import { connectRedis, storeUnavailable, withDeadline, type RedisConnectOptions, type RedisConnection } from './redis-client.js';
import { AD_FIELDS, decodeAdRecord, fillCandidate, writeRecord, type AdRecord, type UserAdValues } from './ad-record.js';
import { checkNamespace, metaKey, pointerKey, type UserRecord, type VersionMeta } from './redis-layout.js';
import { emptyAdBatch, type StoredUser, type UserLookup, type FeatureLookup, type OnlineFeatureStore, type UserFeatures } from './store.js';
import { VersionView } from './version-view.js';

/** A lookup waits at most this long for Redis (the whole lookup, not each command), unless told otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 200;

export interface RedisStoreOptions extends RedisConnectOptions {
  namespace: string;
  /** how often the pointer is re-read (default 1000 ms; 0 = before every lookup) */
  pointerRefreshMs?: number;
  /** ads kept in the near cache (default 1,000,000; 0 = fetch every ad every time); a full cache stops growing */
  adCacheSize?: number;
}

export class RedisFeatureStore implements OnlineFeatureStore {
  readonly kind = 'redis' as const;
  private view: VersionView | null = null;
  private pointerReadAt = 0;
  private refreshing: Promise<VersionView> | null = null;
  private readonly ad: AdRecord = { category: 0, advertiserId: 0, bid: 0, ctr: 0, format: 0 };

  private constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisStoreOptions,
  ) {}

  /** Connects and reads the current version; fails with STORE_UNAVAILABLE when Redis is down or holds no features. */
  static async connect(url: string, options: RedisStoreOptions): Promise<RedisFeatureStore> {
    checkNamespace(options.namespace);
    const connection = await connectRedis(url, { connectTimeoutMs: 2000, commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS, ...options });
    const store = new RedisFeatureStore(connection, options);
    try {
      await store.currentView();
    } catch (e) {
      connection.close();
      throw storeUnavailable(connection.endpoint, e);
    }
    return store;
  }

  /** The version that lookups are served from now. */
  get currentVersion(): string {
    return this.view?.version ?? '';
  }

  /** Whether the store talks to a Redis Cluster. */
  get cluster(): boolean {
    return this.connection.cluster;
  }

  private currentView(): Promise<VersionView> | VersionView {
    if (this.view && Date.now() - this.pointerReadAt < (this.options.pointerRefreshMs ?? 1000)) return this.view;
    this.refreshing ??= this.readPointer().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async readPointer(): Promise<VersionView> {
    const at = Date.now();
    const { client } = this.connection;
    const ns = this.options.namespace;
    const version = await client.get(pointerKey(ns));
    if (!version) {
      throw new AdrankError('STORE_UNAVAILABLE', `Redis at ${this.connection.endpoint.display} has no materialized features under "${ns}"`, {
        location: { field: 'namespace', value: ns },
        hint: 'run `adrank materialize --run RUN --redis URL` first',
      });
    }
    if (version !== this.view?.version) {
      const raw = await client.get(metaKey(ns, version));
      const meta = raw ? (JSON.parse(raw) as Partial<VersionMeta>) : null;
      if (!meta?.online || !meta.layout) {
        throw new AdrankError('BAD_ARTIFACT', `version ${ns}:${version} in Redis has no readable meta record`, {
          location: { field: 'namespace', value: ns },
          hint: 'materialize the run again with this version of adrank',
        });
      }
      this.view = new VersionView(ns, version, meta as VersionMeta, this.options.adCacheSize ?? 1_000_000);
    }
    this.pointerReadAt = at;
    return this.view!;
  }

  async lookup(userId: number, adIds: ArrayLike<number>): Promise<FeatureLookup> {
    try {
      const timeoutMs = this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
      return assemble(userId, await withDeadline(this.read(userId, adIds), timeoutMs, this.connection.endpoint));
    } catch (e) {
      throw storeUnavailable(this.connection.endpoint, e);
    }
  }

  /** One round trip: the user's record and the uncached candidates' records, all from the view it starts with. */
  private async read(userId: number, adIds: ArrayLike<number>): Promise<Fetched> {
    const view = await this.currentView();
    const plan = view.plan(adIds);
    const { client } = this.connection;
    const user = client.hget(view.userKey(userId), String(userId));
    const ads = plan.shards.map((s) => client.hmgetBuffer(view.adKeys[s.shard], ...s.fields));
    const [userValue, ...adReplies] = await Promise.all([user, ...ads]);
    const K = adIds.length;
    const fetched = new Float64Array(K * AD_FIELDS);
    const found = new Uint8Array(K);
    plan.shards.forEach((s, j) => {
      adReplies[j].forEach((value, r) => {
        const i = s.positions[r];
        if (!value || !decodeAdRecord(value, this.ad)) return;
        found[i] = 1;
        writeRecord(fetched, i * AD_FIELDS, this.ad);
        view.cache(adIds[i], this.ad);
      });
    });
    return { view, userValue, slots: plan.slots, found, fetched };
  }

  async user(userId: number): Promise<UserLookup> {
    try {
      const timeoutMs = this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
      const read = async (): Promise<UserLookup> => {
        const view = await this.currentView();
        const value = await this.connection.client.hget(view.userKey(userId), String(userId));
        return { user: value ? storedUser(userId, parseUserRecord(value, userId, view)) : null, version: view.version, meta: view.online };
      };
      return await withDeadline(read(), timeoutMs, this.connection.endpoint);
    } catch (e) {
      if (e instanceof AdrankError && e.code === 'BAD_ARTIFACT') throw e;
      throw storeUnavailable(this.connection.endpoint, e);
    }
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}

function storedUser(userId: number, r: UserRecord): StoredUser {
  return {
    userId, ageGroup: r[0], gender: r[1], country: r[2], ctr: r[3], impressions: r[6],
    categories: r[4].map(([code, ctr, converted, impressions]) => ({ code, ctr, converted, impressions })), convertedAdvertisers: r[5],
  };
}

/** What one lookup read: its view, the user's record, and each candidate's cache slot or fetched record. */
interface Fetched {
  view: VersionView;
  userValue: string | null;
  slots: Int32Array; // (K) near-cache slot, or -1
  found: Uint8Array; // (K) 1 for a record fetched now
  fetched: Float64Array; // (K, AD_FIELDS) records fetched now, by candidate position
}

/** The lookup's answer from what it read (all of it from f.view's version). */
function assemble(userId: number, f: Fetched): FeatureLookup {
  const meta = f.view.online;
  const record = f.userValue ? parseUserRecord(f.userValue, userId, f.view) : null;
  const user: UserFeatures = record
    ? { userId, known: true, ageGroup: record[0], gender: record[1], country: record[2], userHistoricalCtr: record[3] }
    : { userId, known: false, ageGroup: '', gender: '', country: '', userHistoricalCtr: meta.globalCtr };
  // the user's values by category code, defaulting to the category means
  const values: UserAdValues = { categoryCtr: Float64Array.from(meta.categoryMeanCtr), categoryConverted: new Uint8Array(meta.categories.length), convertedWith: () => false };
  if (record) {
    for (const [code, ctr, converted] of record[4]) {
      values.categoryCtr[code] = ctr;
      values.categoryConverted[code] = converted;
    }
    const advertisers = new Set(record[5]);
    if (advertisers.size) values.convertedWith = (advertiser) => advertisers.has(advertiser);
  }
  const K = f.slots.length;
  const batch = emptyAdBatch(K);
  const cached = f.view.cachedRecords;
  for (let i = 0; i < K; i++) {
    if (f.slots[i] >= 0) fillCandidate(batch, i, cached, f.slots[i] * AD_FIELDS, meta, values);
    else if (f.found[i]) fillCandidate(batch, i, f.fetched, i * AD_FIELDS, meta, values);
  }
  return { user, ads: batch, version: f.view.version };
}

function parseUserRecord(value: string, userId: number, view: VersionView): UserRecord {
  try {
    const record = JSON.parse(value) as UserRecord;
    if (Array.isArray(record) && record.length === 7 && Array.isArray(record[4]) && Array.isArray(record[5])) return record;
  } catch {
    // reported below
  }
  throw new AdrankError('BAD_ARTIFACT', `the record of user ${userId} in ${view.namespace}:${view.version} is not readable`, {
    location: { field: 'userId', value: String(userId) },
    hint: 'materialize the run again',
  });
}
