// The request path on a trained run: the ranker's scores equal the exported full models' on the same candidates
// (the split DLRMs regroup the arithmetic, nothing else), answers are ranked by bid × pCTR × pCVR with the
// filters applied, and unknown users take the cold path — the same answer for two of them in the same context.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureEncoder } from '../src/features/encoder.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { readOnlineTables } from '../src/features/online/tables.js';
import { resolveSources } from '../src/data/sources.js';
import { resolveTrainConfig } from '../src/pipeline/config.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { scoreRows } from '../src/pipeline/predict.js';
import { candidateRow, catalogFromOnline, type RequestContext } from '../src/pipeline/tower-inputs.js';
import { trainRun } from '../src/pipeline/train-run.js';
import { openRanker } from '../src/serve/open.js';
import type { Ranker } from '../src/serve/ranker.js';
import { StoreUsers } from '../src/pipeline/store-users.js';
import { shortlistQuery } from '../src/pipeline/shortlist.js';
import { loadIndex } from '../src/index/ad-index.js';
import { makeWorldSpec, tempDir } from './helpers.js';

const root = tempDir();
let runDir: string;
let ranker: Ranker;
const context: RequestContext = { device: 'mobile', location: 'US', weekday: 3, month: 6, hour: 20 };

beforeAll(async () => {
  const dir = await makeWorldSpec(join(root, 'world'), 'small', 7, { users: 2000, ads: 400, advertisers: 40, events: 30_000, testEvents: 4000 });
  runDir = join(root, 'run');
  const config = await resolveTrainConfig('default');
  await trainRun({ sources: resolveSources(dir), out: runDir, config, onBadRow: 'fail', replace: false, screenshot: false, worldDir: dir, progress: { stage: () => {}, epoch: () => {} } });
  ranker = await openRanker(runDir, { store: { kind: 'memory' }, candidates: 200 });
});
afterAll(async () => {
  await ranker?.close();
});

describe('the ranker', () => {
  it('scores candidates exactly as the exported CTR and CVR models do (1e-5)', async () => {
    const run = await loadRun(runDir);
    const tables = await readOnlineTables(runDir);
    const catalog = catalogFromOnline(tables);
    const users = new StoreUsers(new MemoryFeatureStore(tables), tables.meta, run.retrieval.categories);
    const encoder = new FeatureEncoder(run.featureMap);
    const code = Int32Array.from(catalog.category, (c) => run.retrieval.categories.indexOf(c));
    const rowOf = new Map(Array.from(catalog.adId, (id, a) => [id, a]));
    for (const userId of [1, 17, 999_999]) {
      const response = await ranker.rank({ userId, ...context, explain: true });
      const rows = response.explain!.rows;
      expect(rows.length).toBe(200);
      const profile = (await users.user(userId)) ?? null;
      expect(profile === null).toBe(userId === 999_999);
      const user = profile ?? { userId, known: false, ageGroup: '', gender: '', country: '', ctr: users.globalCtr, impressions: 0, categoryCtr: Float64Array.from(users.categoryMean), categoryImpressions: new Float64Array(users.categoryMean.length), categoryConverted: new Uint8Array(users.categoryMean.length), convertedAdvertisers: new Set<number>() };
      const raw = rows.map((r) => candidateRow(user, context, catalog, rowOf.get(r.adId)!, code[rowOf.get(r.adId)!]));
      const ctr = (await scoreRows(run.models.ctr.bytes, encoder.encodeRows(raw, run.ctrFeatures), ['logit'])).logit;
      const cvrOutput = run.models.cvr.kind === 'esmm' ? 'cvr_logit' : 'logit';
      const cvr = (await scoreRows(run.models.cvr.bytes, encoder.encodeRows(raw, run.cvrFeatures), [cvrOutput]))[cvrOutput];
      rows.forEach((r, i) => {
        expect(Math.abs(r.ctrLogit - ctr[i]), `user ${userId} ad ${r.adId} CTR`).toBeLessThan(1e-5 * Math.max(1, Math.abs(ctr[i])));
        expect(Math.abs(r.cvrLogit - cvr[i]), `user ${userId} ad ${r.adId} CVR`).toBeLessThan(1e-5 * Math.max(1, Math.abs(cvr[i])));
      });
    }
  });

  it('answers the top k by expected revenue, every number finite, with the filters applied', async () => {
    const all = await ranker.rank({ userId: 3, ...context, k: 10, explain: true });
    expect(all.ads).toHaveLength(10);
    expect(all.userKnown).toBe(true);
    all.ads.forEach((a, i) => {
      expect(a.rank).toBe(i + 1);
      expect(a.score).toBeCloseTo(a.bid * a.pctr * a.pcvr, 12);
      for (const x of [a.score, a.pctr, a.pcvr]) expect(Number.isFinite(x) && x > 0).toBe(true);
      if (i > 0) expect(a.score).toBeLessThanOrEqual(all.ads[i - 1].score);
    });
    const best = Math.max(...all.explain!.rows.map((r) => r.score));
    expect(all.ads[0].score).toBeCloseTo(best, 12);
    const excluded = all.ads.slice(0, 3).map((a) => a.adId);
    const without = await ranker.rank({ userId: 3, ...context, k: 10, excludeAdIds: excluded });
    expect(without.ads.some((a) => excluded.includes(a.adId))).toBe(false);
    const capped = await ranker.rank({ userId: 3, ...context, k: 10, maxPerAdvertiser: 1 });
    expect(new Set(capped.ads.map((a) => a.advertiserId)).size).toBe(capped.ads.length);
  });

  it('takes the cold path for unknown users: flagged, finite, and the same for two of them in one context', async () => {
    const a = await ranker.rank({ userId: 5_000_001, ...context });
    const b = await ranker.rank({ userId: 5_000_002, ...context });
    expect(a.userKnown).toBe(false);
    expect(a.degraded).toBe(false);
    expect(a.ads.map((x) => [x.adId, x.score])).toEqual(b.ads.map((x) => [x.adId, x.score]));
    expect(a.ads.every((x) => Number.isFinite(x.score))).toBe(true);
    const elsewhere = await ranker.rank({ userId: 5_000_001, ...context, device: 'desktop', hour: 3 });
    expect(elsewhere.ads.map((x) => x.score)).not.toEqual(a.ads.map((x) => x.score)); // the context still counts
  });

  it("retrieves by the run's revenue shortlist: α·tower + q_a + γ·log category ratio, one inner product", async () => {
    const run = await loadRun(runDir);
    const s = run.shortlist;
    expect(s.kind).toBe('revenue');
    expect(s.dim).toBe(s.towerDim + 1 + s.categories.length);
    expect(s.towerWeight).toBeGreaterThanOrEqual(0);
    expect(s.categoryWeight).toBeGreaterThanOrEqual(0);
    expect(s.fit!.coverage).toBeGreaterThan(0);
    const tables = await readOnlineTables(runDir);
    const catalog = catalogFromOnline(tables);
    const users = new StoreUsers(new MemoryFeatureStore(tables), tables.meta, run.retrieval.categories);
    const user = (await users.user(3))!;
    const vector = await ranker.userVector(user, context);
    const query = shortlistQuery(s, vector, user, users.categoryMean);
    // the served vectors: the tower's, weighted, then the prior, then the category's weight
    const index = await loadIndex(join(runDir, 'index', 'ann'));
    const top = index.search(query, catalog.adId.length);
    const rows = Array.from(top.rows.subarray(0, top.count));
    expect(rows).toHaveLength(catalog.adId.length); // 400 ads: the exact index
    const code = Int32Array.from(catalog.category, (c) => s.categories.indexOf(c));
    const O = s.towerDim;
    const manual = (a: number, prior: number): number => {
      let dot = 0;
      for (let k = 0; k < O; k++) dot += vector[k] * run.adVectors[a * O + k];
      return s.towerWeight * dot + prior + s.categoryWeight * Math.log(user.categoryCtr[code[a]] / users.categoryMean[code[a]]);
    };
    // the index's score of each ad minus the tower and category parts is the ad's prior, the same for every user
    const priorOf = (a: number, score: number): number => score - manual(a, 0);
    const first = rows.map((a, i) => priorOf(a, top.scores[i]));
    const other = (await users.user(17))!;
    const otherQuery = shortlistQuery(s, await ranker.userVector(other, { ...context, hour: 3 }), other, users.categoryMean);
    const otherTop = index.search(otherQuery, catalog.adId.length);
    const otherPrior = new Map(Array.from(otherTop.rows.subarray(0, otherTop.count), (a, i) => [a, otherTop.scores[i]]));
    const otherVector = await ranker.userVector(other, { ...context, hour: 3 });
    rows.forEach((a, i) => {
      let dot = 0;
      for (let k = 0; k < O; k++) dot += otherVector[k] * run.adVectors[a * O + k];
      const rest = s.towerWeight * dot + s.categoryWeight * Math.log(other.categoryCtr[code[a]] / users.categoryMean[code[a]]);
      expect(otherPrior.get(a)! - rest).toBeCloseTo(first[i], 3);
    });
    const retrieved = await ranker.retrieve({ userId: 3, ...context }, 10);
    expect(retrieved.adIds).toEqual(rows.slice(0, 10).map((a) => catalog.adId[a]));
    index.close();
  });
});
