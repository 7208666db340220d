import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { idLookup } from './id-index.js';
import type { OnlineTables } from './tables.js';
import { containsSorted, groupByUser } from './user-slices.js';

/** Users in a shuffled catalogue order and pair rows in random order, some of users outside the catalogue. */
function randomTables(rng: Rng): OnlineTables {
  const userIds = Float64Array.from(rng.permutation(300), (i) => i * 3 + 1);
  const pairs = Array.from({ length: 2000 }, () => ({ user: 1 + 3 * rng.int(320), category: rng.int(6), ctr: rng.next(), converted: rng.int(2), impressions: 1 + rng.int(40), advertiser: rng.int(50) }));
  const conversions = Array.from(new Map(pairs.map((p) => [`${p.user}:${p.advertiser}`, p])).values());
  const byCategory = Array.from(new Map(pairs.map((p) => [`${p.user}:${p.category}`, p])).values());
  return {
    users: { userId: userIds } as OnlineTables['users'],
    userCategory: {
      userId: Float64Array.from(byCategory, (p) => p.user), category: Int32Array.from(byCategory, (p) => p.category),
      ctr: Float64Array.from(byCategory, (p) => p.ctr), converted: Uint8Array.from(byCategory, (p) => p.converted),
      impressions: Float64Array.from(byCategory, (p) => p.impressions),
    },
    userAdvertiser: { userId: Float64Array.from(conversions, (p) => p.user), advertiserId: Float64Array.from(conversions, (p) => p.advertiser) },
  } as OnlineTables;
}

describe('groupByUser', () => {
  it('gives each catalogue user exactly its own pairs, whatever the order of the tables (against a naive grouping)', () => {
    const rng = new Rng(4);
    for (let round = 0; round < 5; round++) {
      const t = randomTables(rng);
      const slices = groupByUser(t, idLookup(t.users.userId));
      t.users.userId.forEach((userId, u) => {
        const categories = [];
        for (let j = slices.categoryStart[u]; j < slices.categoryStart[u + 1]; j++) categories.push([slices.categoryCode[j], slices.categoryCtr[j], slices.categoryConverted[j], slices.categoryImpressions[j]]);
        const expected = [];
        for (let i = 0; i < t.userCategory.userId.length; i++) {
          if (t.userCategory.userId[i] === userId) expected.push([t.userCategory.category[i], t.userCategory.ctr[i], t.userCategory.converted[i], t.userCategory.impressions[i]]);
        }
        expect(categories, `user ${userId}`).toEqual(expected);
        const advertisers = Array.from(slices.advertiserId.subarray(slices.advertiserStart[u], slices.advertiserStart[u + 1]));
        const naive = Array.from(t.userAdvertiser.advertiserId.filter((_, i) => t.userAdvertiser.userId[i] === userId)).sort((a, b) => a - b);
        expect(advertisers, `user ${userId}`).toEqual(naive);
        for (let a = 0; a < 50; a++) expect(containsSorted(slices.advertiserId, slices.advertiserStart[u], slices.advertiserStart[u + 1], a)).toBe(naive.includes(a));
      });
    }
  });
});
