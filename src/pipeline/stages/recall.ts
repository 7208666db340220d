// Recall@k of retrieval over the whole catalogue: for each clicked event of the reporting rows, is the clicked ad
// among the top k of all ads for that user in that context? The user vector is computed as serving computes it
// (the user as of the end of training, the event's context, through the exported user tower), against the frozen
// ad vectors. Baselines: ads by training clicks, by smoothed CTR, and popularity × the user's category CTR ratio;
// on generated worlds, the oracle ranks every ad by its true click probability.
// Legend: Q clicked events, A ads, O vector dim, C categories.
import * as ort from 'onnxruntime-node';
import { Rng } from '../../core/rng.js';
import type { Db } from '../../data/duckdb.js';
import type { World } from '../../data/generate/world.js';
import { DEVICES } from '../../data/schema.js';
import type { FeatureEncoder } from '../../features/encoder.js';
import { createSession } from '../../engine/onnx/runner.js';
import { GraphBuilder } from '../../engine/onnx/graph-builder.js';
import { exposureProbability } from '../../eval/oracle.js';
import { scoreRows } from '../predict.js';
import { adCtr, categoryBlockWidth, encodeTower, readUserProfiles, unknownUser, userCategoryBlock, userRow, type AdCatalog, type RequestContext, type TowerFeatures, type UserProfile } from '../tower-inputs.js';
import type { Role } from './evaluate.js';

export interface RecallRow {
  name: string;
  role: Role;
  /** recall at each k */
  recall: number[];
}

export interface RecallEvaluation {
  k: number[];
  clicks: number;
  /** clicks were sampled down to this many */
  sampledFrom: number;
  results: RecallRow[];
  segments: { segment: string; clicks: number; results: RecallRow[] }[];
}

export interface RecallInputs {
  db: Db;
  encoder: FeatureEncoder;
  catalog: AdCatalog;
  /** held-out feature table and the reporting event indices */
  testTable: string;
  rows: Int32Array;
  k: readonly number[];
  userTower: Uint8Array;
  user: TowerFeatures;
  categories: string[];
  adVectors: Float32Array;
  ctrPriorStrength: number;
  world?: World;
  maxClicks: number;
  seed: number;
}

interface Click {
  user: UserProfile;
  context: RequestContext;
  ad: number; // catalogue row
}

async function readClicks(input: RecallInputs): Promise<{ clicks: Click[]; total: number; categoryMean: Float64Array }> {
  const wanted = new Set(input.rows);
  const all = (await input.db.rows(`SELECT event_idx, user_id::DOUBLE AS u, ad_id::DOUBLE AS a, CAST(device AS VARCHAR) AS d, CAST(location AS VARCHAR) AS l, weekday, month, hour
      FROM ${input.testTable} WHERE clicked = 1 ORDER BY event_idx`)).filter((r) => wanted.has(Number(r.event_idx)));
  const rng = new Rng(input.seed).fork('recall sample');
  const chosen = all.length > input.maxClicks ? Array.from(rng.permutation(all.length).subarray(0, input.maxClicks)).sort((x, y) => x - y).map((i) => all[i]) : all;
  const { profiles, categoryMean, globalCtr } = await readUserProfiles(input.db, chosen.map((r) => Number(r.u)), input.categories, input.ctrPriorStrength);
  const adRow = new Map<number, number>();
  input.catalog.adId.forEach((id, a) => adRow.set(id, a));
  const clicks = chosen.map((r) => ({
    user: profiles.get(Number(r.u)) ?? unknownUser(Number(r.u), categoryMean, globalCtr),
    context: { device: String(r.d), location: String(r.l), weekday: Number(r.weekday), month: Number(r.month), hour: Number(r.hour) },
    ad: adRow.get(Number(r.a))!,
  }));
  return { clicks, total: all.length, categoryMean };
}

/** Scores (Q,A) of user vectors against the ad vectors, block by block, through one MatMul graph. */
export async function rankOfClicked(userVectors: Float32Array, adVectors: Float32Array, dim: number, targets: Int32Array): Promise<Float64Array> {
  const g = new GraphBuilder('scores', 'float32');
  const u = g.input('u', 'float32', ['Q', dim]);
  const v = g.initializer('v', 'float32', [adVectors.length / dim, dim], adVectors);
  g.output(g.op('MatMul', [u, g.op('Transpose', [v], { perm: [1, 0] })], {}, 'scores'), 'float32', ['Q', adVectors.length / dim]);
  const session = await createSession(g.serialize());
  const Q = targets.length;
  const ranks = new Float64Array(Q);
  try {
    for (let start = 0; start < Q; start += 128) {
      const q = Math.min(128, Q - start);
      const out = await session.run({ u: new ort.Tensor('float32', userVectors.subarray(start * dim, (start + q) * dim), [q, dim]) });
      const scores = out.scores.data as Float32Array;
      const A = scores.length / q;
      for (let i = 0; i < q; i++) ranks[start + i] = rankIn(scores, i * A, A, targets[start + i]);
    }
  } finally {
    await session.release();
  }
  return ranks;
}

/** Rank (0 = top) of `target` among scores[offset, offset+A): the ads above it, plus half of the ties. */
export function rankIn(scores: ArrayLike<number>, offset: number, A: number, target: number): number {
  const s = scores[offset + target];
  let above = 0;
  let ties = 0;
  for (let a = 0; a < A; a++) {
    const x = scores[offset + a];
    if (x > s) above++;
    else if (x === s) ties++;
  }
  return above + (ties - 1) / 2;
}

function recallAt(ranks: ArrayLike<number>, k: readonly number[], subset?: number[]): number[] {
  const idx = subset ?? Array.from({ length: ranks.length }, (_, i) => i);
  return k.map((kk) => idx.filter((i) => ranks[i] < kk).length / Math.max(1, idx.length));
}

export async function evaluateRecall(input: RecallInputs): Promise<RecallEvaluation> {
  const { clicks, total, categoryMean } = await readClicks(input);
  const { catalog } = input;
  const A = catalog.adId.length;
  const C = categoryBlockWidth(input.user, input.categories.length);
  const dim = input.adVectors.length / A;
  const targets = Int32Array.from(clicks, (c) => c.ad);
  const block = new Float32Array(clicks.length * C);
  clicks.forEach((c, i) => block.set(userCategoryBlock(input.user, c.user, categoryMean), i * C));
  const towerRows = encodeTower(input.encoder, input.user, clicks.map((c) => userRow(c.user, c.context)), block, input.categories.length);
  const userVectors = clicks.length ? (await scoreRows(input.userTower, towerRows, ['vector'])).vector : new Float32Array(0);
  const ranks: Record<string, { role: Role; ranks: Float64Array }> = {
    'two-tower': { role: 'model', ranks: await rankOfClicked(userVectors, input.adVectors, dim, targets) },
  };
  const categoryOf = Int32Array.from(catalog.category, (c) => input.categories.indexOf(c));
  const popularity = Float64Array.from(catalog.clicks);
  const ctr = Float64Array.from(catalog.adId, (_, a) => adCtr(catalog.clicks[a], catalog.impressions[a], catalog.globalCtr, catalog.ctrPriorStrength));
  const scoreEach = (score: (click: Click, a: number) => number): Float64Array => {
    const scores = new Float64Array(A);
    return Float64Array.from(clicks, (click) => {
      for (let a = 0; a < A; a++) scores[a] = score(click, a);
      return rankIn(scores, 0, A, click.ad);
    });
  };
  ranks['popularity (training clicks)'] = { role: 'baseline', ranks: scoreEach((_, a) => popularity[a]) };
  const expectedClicks = Float64Array.from(catalog.impressions, (n, a) => n * ctr[a]);
  ranks['popularity (impressions × smoothed CTR)'] = { role: 'baseline', ranks: scoreEach((_, a) => expectedClicks[a]) };
  ranks['popularity (smoothed CTR)'] = { role: 'baseline', ranks: scoreEach((_, a) => ctr[a]) };
  ranks['popularity × user category CTR ratio'] = { role: 'baseline', ranks: scoreEach((c, a) => (popularity[a] + 1) * (c.user.categoryCtr[categoryOf[a]] / categoryMean[categoryOf[a]])) };
  ranks['impressions × smoothed CTR × user category CTR ratio'] = { role: 'baseline', ranks: scoreEach((c, a) => expectedClicks[a] * (c.user.categoryCtr[categoryOf[a]] / categoryMean[categoryOf[a]])) };
  const world = input.world;
  if (world) {
    const regions = world.spec.regions;
    const pClick = (c: Click, a: number): number =>
      world.pClick(c.user.userId - 1, a, { device: DEVICES.indexOf(c.context.device as (typeof DEVICES)[number]), location: regions.indexOf(c.context.location), weekday: c.context.weekday, month: c.context.month, hour: c.context.hour });
    ranks['oracle (true pCTR)'] = { role: 'oracle', ranks: scoreEach(pClick) };
    const exposure = new Float64Array(A);
    let exposureOf = -1;
    ranks['oracle (true exposure × pCTR)'] = {
      role: 'oracle',
      ranks: scoreEach((c, a) => {
        if (exposureOf !== c.user.userId) exposureProbability(world, (exposureOf = c.user.userId) - 1, exposure);
        return exposure[a] * pClick(c, a);
      }),
    };
  }
  const k = input.k.filter((kk) => kk <= A).concat(input.k.some((kk) => kk > A) ? [A] : []);
  const rows = (subset?: number[]): RecallRow[] => Object.entries(ranks).map(([name, r]) => ({ name, role: r.role, recall: recallAt(r.ranks, k, subset) }));
  const returning = clicks.map((c, i) => (c.user.known && c.user.impressions > 0 ? i : -1)).filter((i) => i >= 0);
  const fresh = clicks.map((c, i) => (c.user.known && c.user.impressions > 0 ? -1 : i)).filter((i) => i >= 0);
  return {
    k, clicks: clicks.length, sampledFrom: total, results: rows(),
    segments: [
      { segment: 'returning users', clicks: returning.length, results: rows(returning) },
      { segment: 'new users', clicks: fresh.length, results: rows(fresh) },
    ].filter((s) => s.clicks > 0),
  };
}
