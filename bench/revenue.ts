// npm run bench:revenue — what the whole request path earns: requests sampled from a generated world's held-out
// log are ranked through the run (the same ranker as `adrank rank` and the server), and each policy's top 5 is
// valued with the world's true probabilities: expected revenue Σ bid × P(click) × P(convert | click). Printed as a
// share of the oracle's best 5 (the 5 ads of highest true expected revenue among all ads), beside random, bid
// only, bid × smoothed ad CTR × smoothed ad CVR, and that times the user's category-CTR ratio. Also: how often the
// index's top 5 equals the top 5 from scoring every ad.
// Usage: node dist/bench/revenue.js [preset=medium] [requests=2000] [run dir (default: train one)]
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/rng.js';
import { Db, sqlString } from '../src/data/duckdb.js';
import { loadWorld } from '../src/data/generate/write-world.js';
import { DEVICES } from '../src/data/schema.js';
import { resolveSources } from '../src/data/sources.js';
import { resolveTrainConfig } from '../src/pipeline/config.js';
import { trainRun } from '../src/pipeline/train-run.js';
import { openRanker } from '../src/serve/open.js';
import { StoreUsers } from '../src/pipeline/store-users.js';
import { loadRun } from '../src/pipeline/load-run.js';
import { readOnlineTables } from '../src/features/online/tables.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { report, round } from './measure.js';
import { benchWorld } from './worlds.js';

const preset = process.argv[2] ?? 'medium';
const sampleSize = Number(process.argv[3] ?? 2000);
const dir = await benchWorld(preset);
const runDir = process.argv[4] ?? join(tmpdir(), `adrank-bench-run-${preset}-default`);
if (!existsSync(join(runDir, 'manifest.json'))) {
  await trainRun({ sources: resolveSources(dir), out: runDir, config: await resolveTrainConfig('default'), onBadRow: 'fail', replace: true, screenshot: false, worldDir: dir, progress: { stage: () => {}, epoch: () => {} } });
}
const world = await loadWorld(dir);
const A = world.spec.ads;
const K = 5;

// smoothed ad CTR and CVR from the training log, for the simple baselines
const db = await Db.open();
const file = (name: string): string => (existsSync(join(dir, `${name}.parquet`)) ? `read_parquet(${sqlString(join(dir, `${name}.parquet`))})` : `read_csv(${sqlString(join(dir, `${name}.csv`))}, header=true)`);
const stats = await db.rows(`SELECT ad_id, count(*) AS n, sum(clicked) AS c, sum(converted) AS v FROM ${file('event_log')} GROUP BY ad_id`);
const totals = (await db.rows(`SELECT count(*) AS n, sum(clicked) AS c, sum(converted) AS v FROM ${file('event_log')}`))[0];
const globalCtr = Number(totals.c) / Number(totals.n);
const globalCvr = Number(totals.v) / Math.max(1, Number(totals.c));
const adCtr = new Float64Array(A).fill(globalCtr);
const adCvr = new Float64Array(A).fill(globalCvr);
for (const r of stats) {
  const a = Number(r.ad_id) - 1;
  adCtr[a] = (Number(r.c) + 20 * globalCtr) / (Number(r.n) + 20);
  adCvr[a] = (Number(r.v) + 20 * globalCvr) / (Number(r.c) + 20);
}
const requests = (await db.rows(`SELECT user_id, device, location, weekday, month, hour FROM ${file('test_event_log')}`)).map((r) => ({
  userId: Number(r.user_id), device: String(r.device), location: String(r.location), weekday: Number(r.weekday), month: Number(r.month), hour: Number(r.hour),
}));
db.close();
const rng = new Rng(11);
const sample = Array.from(rng.permutation(requests.length).subarray(0, Math.min(sampleSize, requests.length)), (i) => requests[i]);

const ranker = await openRanker(runDir, { store: { kind: 'memory' }, candidates: 1000 });
const everyAd = await openRanker(runDir, { store: { kind: 'memory' }, candidates: A, warmup: 0 });
const run = await loadRun(runDir);
const tables = await readOnlineTables(runDir);
const users = new StoreUsers(new MemoryFeatureStore(tables), tables.meta, run.retrieval.categories);
const categories = run.retrieval.categories;
const adRowOf = new Map(Array.from({ length: A }, (_, a) => [a + 1, a]));
const earned: Record<string, number> = { oracle: 0, 'adrank (index top 1000 → CTR × CVR)': 0, 'adrank (every ad scored)': 0, random: 0, 'bid only': 0, 'bid × ad CTR × ad CVR': 0, 'bid × ad CTR × ad CVR × user category-CTR ratio': 0 };
let sameTop = 0;
const value = new Float64Array(A);
const topOf = (scores: ArrayLike<number>): number[] => Array.from({ length: A }, (_, a) => a).sort((x, y) => scores[y] - scores[x]).slice(0, K);
const sum = (ads: number[]): number => ads.reduce((s, a) => s + value[a], 0);
for (const request of sample) {
  const u = request.userId - 1;
  const ctx = { device: DEVICES.indexOf(request.device as (typeof DEVICES)[number]), location: world.spec.regions.indexOf(request.location), weekday: request.weekday, month: request.month, hour: request.hour };
  for (let a = 0; a < A; a++) value[a] = world.adBid[a] * world.pClick(u, a, ctx) * world.pConvertGivenClick(u, a, ctx);
  earned.oracle += sum(topOf(value));
  const served = (await ranker.rank({ ...request, k: K })).ads.map((x) => adRowOf.get(x.adId)!);
  const full = (await everyAd.rank({ ...request, k: K })).ads.map((x) => adRowOf.get(x.adId)!);
  earned['adrank (index top 1000 → CTR × CVR)'] += sum(served);
  earned['adrank (every ad scored)'] += sum(full);
  if (served.join() === full.join()) sameTop++;
  earned.random += sum(Array.from(rng.permutation(A).subarray(0, K)));
  earned['bid only'] += sum(topOf(world.adBid));
  const simple = Float64Array.from(world.adBid, (b, a) => b * adCtr[a] * adCvr[a]);
  earned['bid × ad CTR × ad CVR'] += sum(topOf(simple));
  const profile = await users.user(request.userId);
  const ratio = Float64Array.from({ length: A }, (_, a) => {
    const c = categories.indexOf(world.spec.categories[world.adCategory[a]]);
    return profile && c >= 0 ? profile.categoryCtr[c] / users.categoryMean[c] : 1;
  });
  earned['bid × ad CTR × ad CVR × user category-CTR ratio'] += sum(topOf(Float64Array.from(simple, (s, a) => s * ratio[a])));
}
await ranker.close();
await everyAd.close();
const oracle = earned.oracle;
const strongest = earned['bid × ad CTR × ad CVR × user category-CTR ratio'];
report({
  bench: 'revenue', preset, requests: sample.length, ads: A, k: K,
  shareOfOracle: Object.fromEntries(Object.entries(earned).map(([name, v]) => [name, round(v / oracle, 4)])),
  revenuePerRequest: Object.fromEntries(Object.entries(earned).map(([name, v]) => [name, round(v / sample.length, 5)])),
  adrankOverStrongestBaseline: round(earned['adrank (index top 1000 → CTR × CVR)'] / strongest, 3),
  indexTop5EqualsAllAdsTop5: round(sameTop / sample.length, 4),
  targets: { adrankOverStrongestBaseline: '≥ 1.1', indexTop5EqualsAllAdsTop5: '≥ 0.95' },
});
