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
import { StoreUsers } from '../src/serve/user-source.js';
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
});
