// Materialization of a run's online tables into Redis: pipelined MSET batches under a new versioned
// prefix, then the pointer flip, then clean-up of versions that are neither current nor previous
// (including ones abandoned by an interrupted materialization).
import type { Redis } from 'ioredis';
import { AdrankError } from '../../core/errors.js';
import { adRecordOf, readOnlineTables, type OnlineTables } from './tables.js';
import { connectRedis, storeUnavailable } from './redis-client.js';
import { encodeAdRecord } from './ad-record.js';
import { adsKey, metaKey, pointerKey, previousKey, sequenceKey, userKey, versionsKey, type UserRecord } from './redis-layout.js';

export interface MaterializeOptions {
  namespace: string;
  /** records per MSET / HSET */
  batchKeys?: number;
  /** MSETs in flight per pipeline */
  pipelineDepth?: number;
  /** called after each pipeline with the records written so far; throwing aborts the materialization */
  onProgress?: (recordsWritten: number, totalRecords: number) => void;
}

export interface MaterializeSummary {
  namespace: string;
  version: string;
  previousVersion: string | null;
  /** user keys + ad hash fields + the meta key */
  records: number;
  seconds: number;
  recordsPerSec: number;
  removedVersions: string[];
}

export async function materialize(runDir: string, redisUrl: string, options: MaterializeOptions): Promise<MaterializeSummary> {
  const tables = await readOnlineTables(runDir);
  const client = await connectRedis(redisUrl, { commandTimeoutMs: 30_000 });
  try {
    return await materializeTables(client, redisUrl, tables, options);
  } finally {
    client.disconnect();
  }
}

export async function materializeTables(client: Redis, redisUrl: string, tables: OnlineTables, options: MaterializeOptions): Promise<MaterializeSummary> {
  const ns = options.namespace;
  const batchKeys = options.batchKeys ?? 500;
  const depth = options.pipelineDepth ?? 16;
  const started = performance.now();
  const totalRecords = tables.users.userId.length + tables.ads.adId.length + 1;
  try {
    const version = `v${await client.incr(sequenceKey(ns))}`;
    await client.sadd(versionsKey(ns), version);
    // Batches of users (MSET of key/value pairs) and of ads (HSET of field/value pairs into the version's hash),
    // sent `depth` commands per pipeline.
    let written = 0;
    let pipeline = client.pipeline();
    let queued = 0;
    const send = async (force: boolean): Promise<void> => {
      if (queued < depth && !(force && queued > 0)) return;
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (failed) throw failed[0];
      pipeline = client.pipeline();
      queued = 0;
      options.onProgress?.(written, totalRecords);
    };
    const pairs: (string | Buffer)[] = [];
    const flush = async (command: (args: (string | Buffer)[]) => void): Promise<void> => {
      if (!pairs.length) return;
      const args = pairs.splice(0);
      command(args);
      written += args.length / 2;
      queued++;
      await send(false);
    };
    const msetUsers = (args: (string | Buffer)[]): void => {
      pipeline.mset(...args);
    };
    const hsetAds = (args: (string | Buffer)[]): void => {
      pipeline.hset(adsKey(ns, version), ...args);
    };
    for (const [key, value] of userRecords(ns, version, tables)) {
      pairs.push(key, value);
      if (pairs.length >= batchKeys * 2) await flush(msetUsers);
    }
    await flush(msetUsers);
    for (let a = 0; a < tables.ads.adId.length; a++) {
      pairs.push(String(tables.ads.adId[a]), encodeAdRecord(adRecordOf(tables, a)));
      if (pairs.length >= batchKeys * 2) await flush(hsetAds);
    }
    await flush(hsetAds);
    await send(true);
    // The version is complete: publish its meta, then flip the pointer atomically.
    await client.set(metaKey(ns, version), JSON.stringify(tables.meta));
    const previous = await client.get(pointerKey(ns));
    const flip = client.multi().set(pointerKey(ns), version);
    if (previous) flip.set(previousKey(ns), previous);
    await flip.exec();
    const removedVersions = await removeStaleVersions(client, ns, new Set([version, previous ?? version]));
    const seconds = (performance.now() - started) / 1000;
    return { namespace: ns, version, previousVersion: previous, records: totalRecords, seconds, recordsPerSec: Math.round(totalRecords / seconds), removedVersions };
  } catch (e) {
    throw e instanceof AdrankError ? e : storeUnavailable(redisUrl, e);
  }
}

/** One JSON record per user with the user×category and user×advertiser values in it. */
function* userRecords(ns: string, version: string, t: OnlineTables): Generator<[string, string]> {
  const uc = t.userCategory;
  const ua = t.userAdvertiser;
  let i = 0;
  let j = 0;
  const order = Array.from(t.users.userId.keys()).sort((x, y) => t.users.userId[x] - t.users.userId[y]);
  for (const u of order) {
    const id = t.users.userId[u];
    while (i < uc.userId.length && uc.userId[i] < id) i++;
    while (j < ua.userId.length && ua.userId[j] < id) j++;
    const categories: [number, number, number][] = [];
    for (; i < uc.userId.length && uc.userId[i] === id; i++) categories.push([uc.category[i], uc.ctr[i], uc.converted[i]]);
    const advertisers: number[] = [];
    for (; j < ua.userId.length && ua.userId[j] === id; j++) advertisers.push(ua.advertiserId[j]);
    const record: UserRecord = [t.users.ageGroup[u], t.users.gender[u], t.users.country[u], t.users.ctr[u], categories, advertisers];
    yield [userKey(ns, version, id), JSON.stringify(record)];
  }
}

async function removeStaleVersions(client: Redis, ns: string, keep: Set<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const version of await client.smembers(versionsKey(ns))) {
    if (keep.has(version)) continue;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${ns}:${version}:*`, 'COUNT', 1000);
      if (keys.length) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await client.srem(versionsKey(ns), version);
    removed.push(version);
  }
  return removed;
}
