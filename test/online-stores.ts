// Every online store the suites run against: memory, Redis with and without the near cache, and a three-master
// Redis Cluster with and without it. Each Redis store is materialized from the run under its own namespace.
import { materialize } from '../src/features/online/materialize.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { RedisFeatureStore } from '../src/features/online/redis-store.js';
import type { OnlineFeatureStore } from '../src/features/online/store.js';
import { redisServerAvailable, startRedis, startRedisCluster, type TestRedis, type TestRedisCluster } from './redis-server.js';

export const hasRedis = redisServerAvailable();
if (!hasRedis) {
  console.warn('\n*** redis-server is not installed: the Redis store tests are SKIPPED (CI installs it; locally: apt-get install redis-server) ***\n');
}

export interface StoreBackends {
  redis?: TestRedis;
  cluster?: TestRedisCluster;
  stop(): Promise<void>;
}

/** A redis-server and a Redis Cluster, when redis-server is installed. */
export async function startStoreBackends(): Promise<StoreBackends> {
  if (!hasRedis) return { stop: async () => {} };
  const [redis, cluster] = await Promise.all([startRedis(), startRedisCluster(3)]);
  return { redis, cluster, stop: async () => void (await Promise.all([redis.stop(), cluster.stop()])) };
}

export interface StoreUnderTest {
  name: string;
  enabled: boolean;
  /** opens the store on `runDir` (materialized under namespace `ns` for Redis) */
  open(runDir: string, ns: string): Promise<OnlineFeatureStore>;
}

/** Small shard counts, so that even the seed world's few ids spread over several shards (and cluster nodes). */
const layout = { userShards: 5, adShards: 7 };

export function onlineStores(backends: () => StoreBackends): StoreUnderTest[] {
  const redis = (where: 'redis' | 'cluster', adCacheSize?: number) => async (runDir: string, ns: string): Promise<OnlineFeatureStore> => {
    const url = backends()[where]!.url;
    const namespace = `${ns}-${adCacheSize ?? 'cached'}`;
    await materialize(runDir, url, { namespace, layout });
    return RedisFeatureStore.connect(url, { namespace, adCacheSize, commandTimeoutMs: 2000 });
  };
  return [
    { name: 'memory', enabled: true, open: (runDir) => MemoryFeatureStore.open(runDir) },
    { name: 'redis', enabled: hasRedis, open: redis('redis') },
    { name: 'redis without near cache', enabled: hasRedis, open: redis('redis', 0) },
    { name: 'redis cluster', enabled: hasRedis, open: redis('cluster') },
    { name: 'redis cluster without near cache', enabled: hasRedis, open: redis('cluster', 0) },
  ];
}
