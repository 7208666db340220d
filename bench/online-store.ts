// Online feature stores side by side in one process: the latency of one batched lookup (1 user + 1000 random
// candidate ads) from the memory store, from Redis (a real redis-server on loopback) and from a three-master Redis
// Cluster on loopback, each through ioredis (commands written as issued, or auto-pipelined), without and with the
// near cache of ad records; and the materialization throughput of each Redis. Lookups run in interleaved rounds
// (every store in turn, then again), so every store sees the same machine load. p50/p99/max are pooled over all measured rounds (the first round warms up);
// roundP99Ms gives the best and the median of the per-round p99s.
// Run: npm run bench:online [-- PRESET [AD_SHARDS]]   (default: the large preset: 1M users, 100k ads; 16 ad shards)
//      ADRANK_BENCH_RUN=DIR reuses a run built before (its online tables) instead of building one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Rng } from '../src/core/rng.js';
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { DEFAULT_AD_SHARDS, materialize } from '../src/features/online/materialize.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { RedisFeatureStore } from '../src/features/online/redis-store.js';
import type { OnlineFeatureStore } from '../src/features/online/store.js';
import { readOnlineTables } from '../src/features/online/tables.js';
import { buildFeatures, writeFeatureRun } from '../src/features/pipeline.js';
import { startRedis, startRedisCluster } from '../test/redis-server.js';
import { peakRssMb, percentile, report, round } from './measure.js';
import { benchWorld } from './worlds.js';

const preset = process.argv[2] ?? 'large';
const adShards = Number(process.argv[3] ?? DEFAULT_AD_SHARDS);
const ROUNDS = 6; // the first one warms up
const PER_ROUND = 400;
const CANDIDATES = 1000;

const dir = await benchWorld(preset);
const runDir = process.env.ADRANK_BENCH_RUN ?? mkdtempSync(join(tmpdir(), 'adrank-bench-run-'));
if (process.argv[4] === 'build') {
  const data = await loadData(resolveSources(dir));
  await writeFeatureRun(data, await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 }), runDir);
  data.db.close();
  process.exit(0);
}
if (!process.env.ADRANK_BENCH_RUN) {
  // The run is built in a child process: serving processes do not carry the feature build's memory.
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), preset, String(adShards), 'build'], { stdio: 'inherit', env: { ...process.env, ADRANK_BENCH_RUN: runDir } });
  if (child.status !== 0) process.exit(child.status ?? 1);
}
const { meta } = await readOnlineTables(runDir);

/** Runs `count` lookups drawn from `rng`; returns their latencies in ms. */
async function lookups(store: OnlineFeatureStore, rng: Rng, count: number): Promise<number[]> {
  const adIds = new Float64Array(CANDIDATES);
  const times: number[] = [];
  for (let r = 0; r < count; r++) {
    const userId = 1 + rng.int(meta.users);
    for (let i = 0; i < CANDIDATES; i++) adIds[i] = 1 + rng.int(meta.ads);
    const started = performance.now();
    const { ads } = await store.lookup(userId, adIds);
    times.push(performance.now() - started);
    if (ads.count !== CANDIDATES) throw new Error('short batch');
  }
  return times;
}

/** Redis's own time in HGET and HMGET (INFO commandstats, summed over the nodes), since the last reset. */
async function serverTime(urls: readonly string[], reset = false): Promise<{ hgetCalls: number; hmgetCalls: number; hmgetUsec: number; hgetUsec: number }> {
  const total = { hgetCalls: 0, hmgetCalls: 0, hmgetUsec: 0, hgetUsec: 0 };
  for (const url of urls) {
    const client = new Redis(url);
    if (reset) await client.config('RESETSTAT');
    const stats = await client.info('commandstats');
    for (const command of ['hget', 'hmget'] as const) {
      const m = new RegExp(`cmdstat_${command}:calls=(\\d+),usec=(\\d+)`).exec(stats);
      total[`${command}Calls`] += Number(m?.[1] ?? 0);
      total[`${command}Usec`] += Number(m?.[2] ?? 0);
    }
    client.disconnect();
  }
  return total;
}

async function usedMemoryMb(urls: string[]): Promise<number> {
  let bytes = 0;
  for (const url of urls) {
    const client = new Redis(url);
    bytes += Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1] ?? 0);
    client.disconnect();
  }
  return round(bytes / 2 ** 20, 0);
}

const redis = await startRedis();
const cluster = await startRedisCluster(3);
const stores: { name: string; store: OnlineFeatureStore; rng: Rng; times: number[]; roundP99: number[] }[] = [];
try {
  const add = (name: string, store: OnlineFeatureStore): void => void stores.push({ name, store, rng: new Rng(7), times: [], roundP99: [] });
  add('memory', await MemoryFeatureStore.open(runDir));
  for (const [backend, url, urls] of [['redis', redis.url, [redis.url]], ['cluster', cluster.url, cluster.nodes.map((n) => n.url)]] as const) {
    const summary = await materialize(runDir, url, { namespace: 'bench', layout: { adShards } });
    report({ bench: 'redis-materialize', backend, preset, records: summary.records, layout: summary.layout, seconds: round(summary.seconds, 1), recordsPerSec: summary.recordsPerSec, redisMemoryMb: await usedMemoryMb([...urls]) });
    for (const autoPipelining of [false, true]) {
      const name = `${backend}${autoPipelining ? '-autopipelined' : ''}`;
      add(`${name}-uncached`, await RedisFeatureStore.connect(url, { namespace: 'bench', adCacheSize: 0, autoPipelining }));
      add(name, await RedisFeatureStore.connect(url, { namespace: 'bench', autoPipelining }));
    }
  }
  const backendUrls = { redis: [redis.url], cluster: cluster.nodes.map((n) => n.url) };
  for (let r = 0; r < ROUNDS; r++) {
    if (r === 1) for (const urls of Object.values(backendUrls)) await serverTime(urls, true);
    for (const s of stores) {
      const times = await lookups(s.store, s.rng, PER_ROUND);
      if (r === 0) continue;
      s.times.push(...times);
      s.roundP99.push(percentile(times, 99));
    }
  }
  // Redis's share of an uncached lookup: the measured rounds' HMGET time over the uncached store's lookups (the
  // cached store's HMGETs, for its few cold ads, are counted too, so this is an upper bound)
  for (const [backend, urls] of Object.entries(backendUrls)) {
    const t = await serverTime(urls);
    const uncachedLookups = 2 * (ROUNDS - 1) * PER_ROUND; // two uncached stores per backend
    report({ bench: 'redis-server-time', backend, hmgetCalls: t.hmgetCalls, hmgetUsecPerUncachedLookup: round(t.hmgetUsec / uncachedLookups, 0), hgetUsecPerCall: round(t.hgetUsec / Math.max(1, t.hgetCalls), 1) });
  }
  for (const { name, times, roundP99 } of stores) {
    report({
      bench: 'online-lookup', store: name, client: name === 'memory' ? undefined : 'ioredis', preset, users: meta.users, ads: meta.ads, adShards, candidates: CANDIDATES,
      requests: times.length, p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), maxMs: round(Math.max(...times), 3),
      // the same per round of PER_ROUND lookups: contention from other processes hits some rounds, not all
      roundP99Ms: { best: round(Math.min(...roundP99), 3), median: round(percentile(roundP99, 50), 3) },
    });
  }
  report({ bench: 'online-lookup', peakRssMb: peakRssMb() });
} finally {
  await Promise.all(stores.map((s) => s.store.close()));
  await Promise.all([redis.stop(), cluster.stop()]);
  if (!process.env.ADRANK_BENCH_RUN) rmSync(runDir, { recursive: true, force: true });
}
