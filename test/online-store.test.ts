// One contract for every online feature store (memory, Redis, Redis Cluster; with and without the near cache),
// against the seed world's end-of-training aggregates computed independently. What only Redis has (versions,
// connections, outages) is tested in redis-*.test.ts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import type { FeatureLookup, OnlineFeatureStore } from '../src/features/online/store.js';
import { editCsv, makeFeatureRun, makeWorld, tempDir } from './helpers.js';
import { onlineStores, startStoreBackends, type StoreBackends } from './online-stores.js';
import { aggregatesFrom, readSeedWorld, type SeedWorldRows } from './seed-reference.js';

const root = tempDir();
let runDir: string;
let world: SeedWorldRows;
let backends: StoreBackends;

async function buildRun(dataDir: string, run: string): Promise<void> {
  await makeFeatureRun(dataDir, run);
}

beforeAll(async () => {
  const dir = await makeWorld(join(root, 'seed'));
  // a catalogue user and ad without any training history, for the fallbacks
  editCsv(join(dir, 'user_catalog.csv'), (l) => [...l, '11,45+,F,Japan']);
  editCsv(join(dir, 'ad_catalog.csv'), (l) => [...l, '21,tech,3,video,2.75']);
  world = readSeedWorld(dir);
  runDir = join(root, 'run');
  await buildRun(dir, runDir);
  backends = await startStoreBackends();
});

afterAll(async () => {
  await backends?.stop();
});

/** A lookup without its version, for comparing stores. */
const content = ({ user, ads }: FeatureLookup): Omit<FeatureLookup, 'version'> => ({ user, ads });

for (const { name, enabled, open } of onlineStores(() => backends)) {
  describe.skipIf(!enabled)(`${name} store contract`, () => {
    let store: OnlineFeatureStore;
    beforeAll(async () => {
      store = await open(runDir, 'contract');
    });
    afterAll(async () => store?.close());

    it('returns every user and ad feature in one batched call, as of the end of training', async () => {
      const adIds = Array.from({ length: 21 }, (_, i) => i + 1);
      for (let userId = 1; userId <= 11; userId++) {
        const { user, ads } = await store.lookup(userId, adIds);
        const u = world.users.get(String(userId))!;
        expect(user).toMatchObject({ userId, known: true, ageGroup: u.age_group, gender: u.gender, country: u.country });
        expect(ads.count).toBe(21);
        adIds.forEach((adId, i) => {
          const expected = aggregatesFrom(world.events, { user_id: String(userId), ad_id: String(adId) }, world.ads);
          const ad = world.ads.get(String(adId))!;
          const where = `user ${userId} ad ${adId}`;
          expect(user.userHistoricalCtr, where).toBeCloseTo(expected.user_historical_ctr, 12);
          expect(ads.found[i], where).toBe(1);
          expect([ads.category[i], ads.advertiserId[i], ads.format[i], ads.bid[i]], where).toEqual([ad.category, +ad.advertiser_id, ad.format, +ad.bid]);
          expect(ads.adHistoricalCtr[i], where).toBeCloseTo(expected.ad_historical_ctr, 12);
          expect(ads.userXCategoryCtr[i], where).toBeCloseTo(expected.user_x_category_ctr, 12);
          expect(ads.userXAdvertiserConverted[i], where).toBe(expected.user_x_advertiser_converted);
          expect(ads.userXCategoryConverted[i], where).toBe(expected.user_x_category_converted);
        });
      }
    });

    it('falls back for an unknown user and marks unknown ads as not found', async () => {
      const { user, ads } = await store.lookup(424242, [3, 99, 15]);
      const global = world.events.filter((e) => e.clicked === '1').length / world.events.length;
      expect(user).toMatchObject({ known: false, ageGroup: '', userHistoricalCtr: global });
      expect(Array.from(ads.found)).toEqual([1, 0, 1]);
      const categoryMean = aggregatesFrom(world.events, { user_id: '424242', ad_id: '3' }, world.ads).user_x_category_ctr;
      expect(ads.userXCategoryCtr[0]).toBeCloseTo(categoryMean, 12);
      expect([ads.userXAdvertiserConverted[0], ads.userXCategoryConverted[0], ads.bid[1]]).toEqual([0, 0, 0]);
    });

    it('handles a thousand candidates, repeated and unknown ids included', async () => {
      const adIds = Array.from({ length: 1000 }, (_, i) => (i % 25) + 1);
      const { ads } = await store.lookup(4, adIds);
      expect(ads.count).toBe(1000);
      expect(ads.found.reduce((a, b) => a + b, 0)).toBe(1000 * (21 / 25));
      expect(ads.bid[0]).toBe(ads.bid[25]);
    });

    it('answers concurrent lookups each with its own user and candidates', async () => {
      const reference = await MemoryFeatureStore.open(runDir);
      const rng = new Rng(5);
      const requests = Array.from({ length: 200 }, () => ({
        userId: 1 + rng.int(14), // 12–14 are unknown
        adIds: Array.from({ length: 1 + rng.int(rng.bernoulli(0.5) ? 1000 : 30) }, () => 1 + rng.int(24)), // 22–24 unknown
      }));
      const answers = await Promise.all(requests.map((r) => store.lookup(r.userId, r.adIds)));
      answers.forEach((answer, i) => expect(content(answer), `request ${i}`).toEqual(content(reference.lookupSync(requests[i].userId, requests[i].adIds))));
      expect(new Set(answers.map((a) => a.version)).size).toBe(1);
    });
  });
}
