// Online feature store: Redis materialization throughput, and the latency of one batched lookup
// (1 user + 1000 random candidate ads) from the memory store and from Redis (a real redis-server on loopback),
// the latter without and with the store's near cache of ad records.
// Run: npm run bench:online [-- PRESET]   (default: the large preset: 1M users, 100k ads)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { materialize } from '../src/features/online/materialize.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { RedisFeatureStore } from '../src/features/online/redis-store.js';
import type { OnlineFeatureStore } from '../src/features/online/store.js';
import { readOnlineTables } from '../src/features/online/tables.js';
import { buildFeatures, writeFeatureRun } from '../src/features/pipeline.js';
import { startRedis } from '../test/redis-server.js';
import { peakRssMb, percentile, report, round } from './measure.js';
import { benchWorld } from './worlds.js';

const preset = process.argv[2] ?? 'large';
const REQUESTS = 2000;
const CANDIDATES = 1000;

const dir = await benchWorld(preset);
const runDir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'adrank-bench-run-'));
if (process.argv[3] === undefined) {
  // The run is built in a child process: serving processes do not carry the feature build's memory.
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), preset, runDir], { stdio: 'inherit' });
  if (child.status !== 0) process.exit(child.status ?? 1);
} else {
  const data = await loadData(resolveSources(dir));
  await writeFeatureRun(data, await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 }), runDir);
  data.db.close();
  process.exit(0);
}
const { meta } = await readOnlineTables(runDir);
const users = meta.users;
const ads = meta.ads;

async function latency(store: OnlineFeatureStore): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
  const rng = new Rng(7);
  const adIds = new Float64Array(CANDIDATES);
  const times: number[] = [];
  for (let r = 0; r < REQUESTS + 200; r++) {
    const userId = 1 + rng.int(users);
    for (let i = 0; i < CANDIDATES; i++) adIds[i] = 1 + rng.int(ads);
    const started = performance.now();
    const { ads: batch } = await store.lookup(userId, adIds);
    const ms = performance.now() - started;
    if (batch.count !== CANDIDATES) throw new Error('short batch');
    if (r >= 200) times.push(ms); // the first 200 warm up the JIT and the connection
  }
  return { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), maxMs: round(Math.max(...times), 3) };
}

const memory = await MemoryFeatureStore.open(runDir);
report({ bench: 'online-lookup', store: 'memory', preset, users, ads, candidates: CANDIDATES, requests: REQUESTS, ...(await latency(memory)), peakRssMb: peakRssMb() });

const redis = await startRedis();
try {
  const summary = await materialize(runDir, redis.url, { namespace: 'bench' });
  report({ bench: 'redis-materialize', preset, records: summary.records, seconds: round(summary.seconds, 1), recordsPerSec: summary.recordsPerSec });
  // every ad from Redis on every lookup, then with the near cache (warmed by the first 200 lookups)
  for (const [name, adCacheSize] of [['redis-uncached', 0], ['redis', undefined]] as const) {
    const store = await RedisFeatureStore.connect(redis.url, { namespace: 'bench', adCacheSize });
    report({ bench: 'online-lookup', store: name, preset, users, ads, candidates: CANDIDATES, requests: REQUESTS, ...(await latency(store)) });
    await store.close();
  }
} finally {
  await redis.stop();
  rmSync(runDir, { recursive: true, force: true });
}
