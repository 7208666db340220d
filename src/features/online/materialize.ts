// Materialization of a run's online tables into Redis (one server or a cluster): register a new version under a
// lease, write its users and ads into sharded hashes (HSET batches, a bounded number in flight), write its meta,
// publish it (the atomic pointer flip), then delete the versions nobody can be using any more (redis-versions.ts).
import { AdrankError } from '../../core/errors.js';
import { adRecordOf, readOnlineTables, type OnlineTables } from './tables.js';
import { connectRedis, storeUnavailable, type RedisClient, type RedisConnectOptions, type RedisConnection } from './redis-client.js';
import { encodeAdRecord } from './ad-record.js';
import { idLookup } from './id-index.js';
import { groupByUser } from './user-slices.js';
import { adShardKey, checkNamespace, metaKey, shardOf, userShardKey, type ShardLayout, type UserRecord, type VersionMeta } from './redis-layout.js';
import { abandonVersion, leaseLost, publishVersion, registerVersion, removeStaleVersions, renewLease } from './redis-versions.js';

export interface MaterializeOptions {
  namespace: string;
  /** checks the run directory as a whole (its manifest) once Redis is reachable, before its tables are read */
  verifyRun?: () => Promise<unknown>;
  /** shard counts; default defaultLayout(users) */
  layout?: Partial<ShardLayout>;
  /** fields per HSET (default 500) */
  batchKeys?: number;
  /** HSETs in flight (default 16) */
  pipelineDepth?: number;
  /** a writer that stops renewing its lease for this long loses its version (default 60 s) */
  leaseMs?: number;
  /** a version that stopped being current is kept at least this long for readers still on it (default 60 s) */
  retireGraceMs?: number;
  /** called after each batch with the records written so far; throwing aborts, a promise pauses the writer */
  onProgress?: (recordsWritten: number, totalRecords: number) => void | Promise<void>;
}

export interface MaterializeSummary {
  namespace: string;
  version: string;
  previousVersion: string | null;
  layout: ShardLayout;
  /** users + ads + the meta record */
  records: number;
  seconds: number;
  recordsPerSec: number;
  removedVersions: string[];
}

export const DEFAULT_AD_SHARDS = 16;

/** One user shard per ~4096 users (at least 16), DEFAULT_AD_SHARDS ad shards. */
export function defaultLayout(users: number): ShardLayout {
  return { userShards: Math.max(16, Math.ceil(users / 4096)), adShards: DEFAULT_AD_SHARDS };
}

export async function materialize(runDir: string, redisUrl: string, options: MaterializeOptions & { connect?: RedisConnectOptions }): Promise<MaterializeSummary> {
  checkNamespace(options.namespace);
  // connect first: an unreachable Redis is reported within the connect timeout, before a long read of the run
  const connection = await connectRedis(redisUrl, { connectTimeoutMs: 5000, commandTimeoutMs: 30_000, ...options.connect });
  try {
    await options.verifyRun?.();
    return await materializeTables(connection, await readOnlineTables(runDir), options);
  } finally {
    connection.close();
  }
}

function checkLayout(layout: ShardLayout): ShardLayout {
  for (const [name, value] of Object.entries(layout)) {
    if (!Number.isInteger(value) || value < 1 || value > 65536) {
      throw new AdrankError('BAD_ARGUMENT', `${name} must be an integer from 1 to 65536, got ${value}`, { location: { field: name, value: String(value) } });
    }
  }
  return layout;
}

export async function materializeTables(connection: RedisConnection, tables: OnlineTables, options: MaterializeOptions): Promise<MaterializeSummary> {
  const ns = checkNamespace(options.namespace);
  const { client, endpoint } = connection;
  const layout = checkLayout({ ...defaultLayout(tables.users.userId.length), ...options.layout });
  const leaseMs = options.leaseMs ?? 60_000;
  const graceMs = options.retireGraceMs ?? 60_000;
  const started = performance.now();
  let version: string | undefined;
  let renewal: NodeJS.Timeout | undefined;
  let callerError: unknown;
  const onProgress = async (written: number, total: number): Promise<void> => {
    try {
      await options.onProgress?.(written, total);
    } catch (e) {
      throw (callerError = e);
    }
  };
  try {
    const removedVersions = await removeStaleVersions(client, ns, graceMs);
    const v = (version = await registerVersion(client, ns, layout, leaseMs));
    let lost = false;
    renewal = setInterval(() => {
      renewLease(client, ns, v, leaseMs).then((held) => (lost ||= !held), () => {});
    }, Math.max(10, leaseMs / 3));
    const records = await writeRecords(client, ns, v, tables, layout, { ...options, onProgress }, () => {
      if (lost) throw leaseLost(ns, v);
    });
    const meta: VersionMeta = { online: tables.meta, layout };
    await client.set(metaKey(ns, v), JSON.stringify(meta));
    const previousVersion = await publishVersion(client, ns, v);
    clearInterval(renewal);
    removedVersions.push(...(await removeStaleVersions(client, ns, graceMs)));
    const seconds = (performance.now() - started) / 1000;
    return { namespace: ns, version: v, previousVersion, layout, records: records + 1, seconds, recordsPerSec: Math.round((records + 1) / seconds), removedVersions };
  } catch (e) {
    clearInterval(renewal);
    if (version) await abandonVersion(client, ns, version).catch(() => undefined);
    throw e === callerError ? e : storeUnavailable(endpoint, e);
  }
}

/** Writes every user and ad of `t` into the version's shards; returns the number of records. */
async function writeRecords(client: RedisClient, ns: string, version: string, t: OnlineTables, layout: ShardLayout, options: MaterializeOptions, check: () => void): Promise<number> {
  const total = t.users.userId.length + t.ads.adId.length + 1;
  const writer = new ShardedWriter(client, options.batchKeys ?? 500, options.pipelineDepth ?? 16, async (written) => {
    check();
    await options.onProgress?.(written, total);
  });
  const slices = groupByUser(t, idLookup(t.users.userId));
  for (let u = 0; u < t.users.userId.length; u++) {
    const id = t.users.userId[u];
    const categories: [number, number, number, number][] = [];
    for (let j = slices.categoryStart[u]; j < slices.categoryStart[u + 1]; j++) {
      categories.push([slices.categoryCode[j], slices.categoryCtr[j], slices.categoryConverted[j], slices.categoryImpressions[j]]);
    }
    const advertisers = Array.from(slices.advertiserId.subarray(slices.advertiserStart[u], slices.advertiserStart[u + 1]));
    const record: UserRecord = [t.users.ageGroup[u], t.users.gender[u], t.users.country[u], t.users.ctr[u], categories, advertisers, t.users.impressions[u]];
    await writer.add(userShardKey(ns, version, shardOf(id, layout.userShards)), String(id), JSON.stringify(record));
  }
  for (let a = 0; a < t.ads.adId.length; a++) {
    const id = t.ads.adId[a];
    await writer.add(adShardKey(ns, version, shardOf(id, layout.adShards)), String(id), encodeAdRecord(adRecordOf(t, a)));
  }
  await writer.finish();
  return total - 1;
}

/** HSET batches per key, at most `depth` in flight; the first failure is thrown by the next call. */
class ShardedWriter {
  private readonly pending = new Map<string, (string | Buffer)[]>();
  private readonly inFlight: Promise<void>[] = [];
  private failure: unknown;
  private written = 0;

  constructor(
    private readonly client: RedisClient,
    private readonly batchFields: number,
    private readonly depth: number,
    private readonly afterBatch: (written: number) => Promise<void>,
  ) {}

  async add(key: string, field: string, value: string | Buffer): Promise<void> {
    let fields = this.pending.get(key);
    if (!fields) this.pending.set(key, (fields = []));
    fields.push(field, value);
    if (fields.length >= this.batchFields * 2) await this.send(key);
  }

  async finish(): Promise<void> {
    for (const key of [...this.pending.keys()]) await this.send(key);
    await Promise.all(this.inFlight.splice(0));
    if (this.failure) throw this.failure;
    await this.afterBatch(this.written);
  }

  private async send(key: string): Promise<void> {
    const fields = this.pending.get(key);
    this.pending.delete(key);
    if (!fields?.length) return;
    const count = fields.length / 2;
    this.inFlight.push(this.client.hset(key, ...fields).then(() => void (this.written += count), (e: unknown) => void (this.failure ??= e)));
    if (this.inFlight.length >= this.depth) await this.inFlight.shift();
    if (this.failure) throw this.failure;
    await this.afterBatch(this.written);
  }
}
