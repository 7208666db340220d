// Training–serving consistency, for every online store: on worlds whose user and ad catalogues are shuffled, the
// features a store serves for each held-out event's (user, ad) equal, value for value, the offline feature table's
// row for that event (what `adrank features --split test` writes).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { worldSpec } from '../src/data/generate/presets.js';
import { writeWorld } from '../src/data/generate/write-world.js';
import { buildFeatures, writeFeatureRun } from '../src/features/pipeline.js';
import type { OnlineFeatureStore } from '../src/features/online/store.js';
import { editCsv, makeWorld, tempDir } from './helpers.js';
import { onlineStores, startStoreBackends, type StoreBackends } from './online-stores.js';

const root = tempDir();

/** Rewrites a CSV with its data rows in a new order (header first). */
function reorderRows(path: string, order: (rows: string[]) => string[]): void {
  editCsv(path, ([header, ...rows]) => [header, ...order(rows)]);
}

function shuffled(rows: string[], rng: Rng): string[] {
  return Array.from(rng.permutation(rows.length), (i) => rows[i]);
}

interface OfflineRow {
  user_id: number;
  ad_id: number;
  values: Record<string, string | number>;
}

const SERVED_COLUMNS = [
  'age_group', 'gender', 'country', 'user_historical_ctr', 'category', 'advertiser_id', 'format', 'bid',
  'ad_historical_ctr', 'user_x_category_ctr', 'user_x_advertiser_converted', 'user_x_category_converted',
] as const;

/** Builds the run of `dataDir` and returns the held-out feature table's rows, in event order. */
async function buildRun(dataDir: string, runDir: string, ctrPriorStrength: number): Promise<OfflineRow[]> {
  const data = await loadData(resolveSources(dataDir));
  try {
    const stage = await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength });
    await writeFeatureRun(data, stage, runDir);
    const rows = await data.db.rows(`SELECT user_id, ad_id, ${SERVED_COLUMNS.map((c) => `${c}::VARCHAR AS ${c}_text, ${c}`).join(', ')} FROM ${stage.tables.test!} ORDER BY event_idx`);
    return rows.map((r) => ({
      user_id: Number(r.user_id),
      ad_id: Number(r.ad_id),
      values: Object.fromEntries(SERVED_COLUMNS.map((c) => [c, typeof r[c] === 'number' || typeof r[c] === 'bigint' ? Number(r[c]) : String(r[`${c}_text`])])),
    }));
  } finally {
    data.db.close();
  }
}

/** The served values of candidate i, under the offline table's column names. */
async function servedRows(store: OnlineFeatureStore, events: OfflineRow[]): Promise<Record<string, string | number>[]> {
  const byUser = new Map<number, number[]>();
  events.forEach((e, i) => byUser.set(e.user_id, [...(byUser.get(e.user_id) ?? []), i]));
  const served = new Array<Record<string, string | number>>(events.length);
  for (const [userId, rows] of byUser) {
    const { user, ads } = await store.lookup(userId, rows.map((i) => events[i].ad_id));
    expect(user.known, `user ${userId}`).toBe(true);
    rows.forEach((row, i) => {
      expect(ads.found[i], `user ${userId} ad ${events[row].ad_id}`).toBe(1);
      served[row] = {
        age_group: user.ageGroup, gender: user.gender, country: user.country, user_historical_ctr: user.userHistoricalCtr,
        category: ads.category[i], advertiser_id: ads.advertiserId[i], format: ads.format[i], bid: ads.bid[i],
        ad_historical_ctr: ads.adHistoricalCtr[i], user_x_category_ctr: ads.userXCategoryCtr[i],
        user_x_advertiser_converted: ads.userXAdvertiserConverted[i], user_x_category_converted: ads.userXCategoryConverted[i],
      };
    });
  }
  return served;
}

const worlds: { name: string; make: (dir: string) => Promise<void>; ctrPriorStrength: number }[] = [
  {
    name: 'the seed world with its catalogues in reverse order',
    make: async (dir) => {
      await makeWorld(dir);
      reorderRows(join(dir, 'user_catalog.csv'), (rows) => rows.reverse());
      reorderRows(join(dir, 'ad_catalog.csv'), (rows) => rows.reverse());
    },
    ctrPriorStrength: 0,
  },
  {
    name: 'a small world with shuffled catalogues and smoothed CTRs',
    make: async (dir) => {
      await writeWorld(worldSpec('small', 7, { users: 1500, ads: 300, advertisers: 40, events: 30_000, testEvents: 2000 }), dir, 'csv');
      const rng = new Rng(11);
      reorderRows(join(dir, 'user_catalog.csv'), (rows) => shuffled(rows, rng));
      reorderRows(join(dir, 'ad_catalog.csv'), (rows) => shuffled(rows, rng));
    },
    ctrPriorStrength: 10,
  },
];

let backends: StoreBackends;
beforeAll(async () => {
  backends = await startStoreBackends();
});
afterAll(async () => backends?.stop());

worlds.forEach((world, w) => {
  describe(world.name, () => {
    const runDir = join(root, `run-${w}`);
    let offline: OfflineRow[];
    beforeAll(async () => {
      const dir = join(root, `world-${w}`);
      await world.make(dir);
      offline = await buildRun(dir, runDir, world.ctrPriorStrength);
    });

    for (const store of onlineStores(() => backends)) {
      it.skipIf(!store.enabled)(`${store.name}: every held-out event's served features equal its offline row`, async () => {
        const opened = await store.open(runDir, `consistency-${w}`);
        try {
          const served = await servedRows(opened, offline);
          offline.forEach((row, i) => expect(served[i], `event ${i}: user ${row.user_id}, ad ${row.ad_id}`).toStrictEqual(row.values));
          expect(offline.length).toBeGreaterThan(w === 0 ? 300 : 1500);
        } finally {
          await opened.close();
        }
      });
    }
  });
});
