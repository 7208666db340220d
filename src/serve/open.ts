// Opening a run for serving, once per run: the run checked file by file (manifest, FeatureMap hash in every model),
// its ad catalogue and index loaded, the online store connected (in-process, or Redis that must hold this run's
// features), the split models precomputed, and a few requests ranked to warm every session before it is ready.
import { join } from 'node:path';
import { AdrankError } from '../core/errors.js';
import { MemoryFeatureStore } from '../features/online/memory-store.js';
import { RedisFeatureStore } from '../features/online/redis-store.js';
import type { OnlineFeatureStore } from '../features/online/store.js';
import { readOnlineTables } from '../features/online/tables.js';
import { loadIndex } from '../index/ad-index.js';
import { loadRun } from '../pipeline/load-run.js';
import { catalogFromOnline } from '../pipeline/tower-inputs.js';
import { DEFAULT_RANKER, Ranker, type RankerOptions } from './ranker.js';
import { StoreUsers } from '../pipeline/store-users.js';

export type StoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string; namespace: string; caFile?: string };

export interface OpenOptions extends Partial<RankerOptions> {
  store: StoreChoice;
  /** rank this many requests before returning, so the first real one does not pay for start-up */
  warmup?: number;
}

export async function openRanker(runDir: string, options: OpenOptions): Promise<Ranker> {
  const run = await loadRun(runDir);
  const tables = await readOnlineTables(runDir);
  if (tables.meta.featureMapHash && tables.meta.featureMapHash !== run.featureMap.contentHash) {
    throw new AdrankError('BAD_ARTIFACT', `the online tables of ${runDir} belong to another FeatureMap`, { location: { file: join(runDir, 'online', 'meta.json') }, hint: 'build the run again' });
  }
  const catalog = catalogFromOnline(tables);
  let store: OnlineFeatureStore;
  if (options.store.kind === 'memory') {
    store = new MemoryFeatureStore(tables);
  } else {
    store = await RedisFeatureStore.connect(options.store.url, { namespace: options.store.namespace, ...(options.store.caFile ? { caFile: options.store.caFile } : {}) });
    const served = (await store.user(-1).catch(() => null))?.meta;
    if (served?.featureMapHash && served.featureMapHash !== run.featureMap.contentHash) {
      await store.close();
      throw new AdrankError('BAD_ARTIFACT', `Redis serves the features of another run (FeatureMap ${served.featureMapHash.slice(7, 19)}, this run ${run.featureMap.contentHash.slice(7, 19)})`, {
        location: { field: 'redis' },
        hint: `materialize this run first: adrank materialize --run ${runDir} --redis URL`,
      });
    }
  }
  const index = await loadIndex(join(runDir, 'index', 'ann'), { dim: run.shortlist.dim, size: catalog.adId.length });
  const ranker = await Ranker.open(run, catalog, new StoreUsers(store, tables.meta, run.retrieval.categories), index, store, { ...DEFAULT_RANKER, ...options });
  const warmup = options.warmup ?? 3;
  const location = run.featureMap.vocabularies.find((v) => v.name === 'location')?.values[0] ?? 'US';
  for (let i = 0; i < warmup; i++) {
    await ranker.rank({ userId: tables.users.userId[i % Math.max(1, tables.users.userId.length)] ?? 0, device: 'mobile', location, weekday: 1 + (i % 7), month: 1 + (i % 12), hour: (i * 5) % 24 });
  }
  return ranker;
}
