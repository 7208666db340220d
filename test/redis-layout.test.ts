// The Redis layout at work: a cluster spreads a version's keys over all its masters while the control keys share
// one slot, and a lookup sends a bounded number of commands (one HGET, at most one HMGET per ad shard).
import { join } from 'node:path';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { worldSpec } from '../src/data/generate/presets.js';
import { writeWorld } from '../src/data/generate/write-world.js';
import { materialize } from '../src/features/online/materialize.js';
import { connectRedis } from '../src/features/online/redis-client.js';
import { adShardKey, metaKey, pointerKey, registryKey, userShardKey } from '../src/features/online/redis-layout.js';
import { RedisFeatureStore } from '../src/features/online/redis-store.js';
import { makeFeatureRun, tempDir } from './helpers.js';
import { hasRedis, startStoreBackends, type StoreBackends } from './online-stores.js';

const root = tempDir();
const runDir = join(root, 'run');
let backends: StoreBackends;

beforeAll(async () => {
  const dir = join(root, 'world');
  await writeWorld(worldSpec('small', 3, { users: 3000, ads: 2000, advertisers: 50, events: 20_000, testEvents: 100 }), dir, 'csv');
  await makeFeatureRun(dir, runDir);
  backends = await startStoreBackends();
});
afterAll(async () => backends?.stop());

describe.skipIf(!hasRedis)('the Redis layout', () => {
  it('spreads a version over every master of a cluster, and keeps the control keys in one slot', async () => {
    const { version, layout } = await materialize(runDir, backends.cluster!.url, { namespace: 'spread', layout: { userShards: 24, adShards: 24 } });
    const connection = await connectRedis(backends.cluster!.url);
    const cluster = connection.client as Cluster;
    const slot = async (key: string): Promise<number> => Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
    const nodeOf = async (key: string): Promise<string> => cluster.slots[await slot(key)][0];
    const nodes = async (keys: string[]): Promise<Set<string>> => new Set(await Promise.all(keys.map(nodeOf)));
    const adKeys = Array.from({ length: layout.adShards }, (_, s) => adShardKey('spread', version, s));
    const userKeys = Array.from({ length: layout.userShards }, (_, s) => userShardKey('spread', version, s));
    expect((await nodes(adKeys)).size).toBe(3);
    expect((await nodes(userKeys)).size).toBe(3);
    for (const node of cluster.nodes('master')) expect(await node.dbsize()).toBeGreaterThanOrEqual(5);
    const control = [pointerKey('spread'), registryKey('spread'), metaKey('spread', version)];
    expect(new Set(await Promise.all(control.map(slot))).size).toBe(1);
    connection.close();
  });

  it('sends one HGET and at most one HMGET per ad shard for a lookup of 1000 candidates', async () => {
    const url = backends.redis!.url;
    await materialize(runDir, url, { namespace: 'fan-out', layout: { userShards: 16, adShards: 8 } });
    const store = await RedisFeatureStore.connect(url, { namespace: 'fan-out', adCacheSize: 0 });
    const stats = new Redis(url);
    const calls = async (): Promise<Record<string, number>> => {
      const info = await stats.info('commandstats');
      return Object.fromEntries(['hget', 'hmget'].map((c) => [c, Number(new RegExp(`cmdstat_${c}:calls=(\\d+)`).exec(info)?.[1] ?? 0)]));
    };
    const rng = new Rng(2);
    await store.lookup(5, [1]); // the pointer is read
    const before = await calls();
    const { ads } = await store.lookup(7, Array.from({ length: 1000 }, () => 1 + rng.int(2000)));
    const after = await calls();
    expect(ads.found.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(after.hget - before.hget).toBe(1);
    expect(after.hmget - before.hmget).toBeLessThanOrEqual(8);
    expect(after.hmget - before.hmget).toBeGreaterThanOrEqual(7);
    stats.disconnect();
    await store.close();
  });
});
