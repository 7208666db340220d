// The pipeline end to end on the seed world, through adrank's own stages: generated files → DuckDB load →
// point-in-time features → FeatureMap → encoded columns → the seed's CTR model with focal loss → exported
// ONNX model, scored like serving will: the online store's features for user × every ad, encoded with the
// FeatureMap. User 1's shoe ads must rank above every other ad; users 4 and 7 must score their
// preferred category (tech, food) highest on average (500 training events leave single ads noisy, as in the blog).
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.js';
import { loadData, type LoadedData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { FeatureEncoder, encodeTable, SEED_SELECTION, selectColumns, type RawFeatureRow } from '../src/features/encoder.js';
import { fieldCardinalities } from '../src/features/feature-map.js';
import { MemoryFeatureStore } from '../src/features/online/memory-store.js';
import { buildFeatures, writeFeatureRun, type FeatureStage } from '../src/features/pipeline.js';
import { CtrModel, SEED_CTR_CONFIG } from '../src/models/ctr-model.js';
import { ctrInferenceGraph } from '../src/pipeline/export.js';
import { CtrTask } from '../src/train/ctr-task.js';
import { ModelState } from '../src/train/model-state.js';
import { SEED_OPTIMIZER } from '../src/train/train-step.js';
import { train } from '../src/train/trainer.js';
import { heldOutOracle } from '../src/eval/oracle.js';
import { logLoss, rocAuc } from '../src/eval/metrics.js';
import { trainCtrOnFeatures } from '../src/train/ctr-pipeline.js';
import { SEED_CTR_LOSS } from '../src/train/ctr-graph.js';
import { makeWorld, readCsvRows, tempDir } from './helpers.js';

const root = tempDir();
let data: LoadedData;
let stage: FeatureStage;
let runDir: string;
let dir: string;

beforeAll(async () => {
  dir = await makeWorld(join(root, 'seed'));
  data = await loadData(resolveSources(dir));
  stage = await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 });
  runDir = join(root, 'run');
  await writeFeatureRun(data, stage, runDir);
});
afterAll(() => data.db.close());

describe('the seed world through the whole pipeline', () => {
  it('trains a CTR model that ranks user 1’s shoe ads first and favours each user’s category', async () => {
    const encodedTrain = selectColumns(await encodeTable(data.db, stage.tables.train, stage.featureMap), SEED_SELECTION);
    const encodedTest = selectColumns(await encodeTable(data.db, stage.tables.test!, stage.featureMap), SEED_SELECTION);
    const model = new CtrModel({ ...SEED_CTR_CONFIG, fields: fieldCardinalities(stage.featureMap) });
    const state = ModelState.initialised(model, new Rng(3));
    const task = new CtrTask(
      model,
      { kind: 'focal', alpha: 0.25, gamma: 2 },
      { categorical: encodedTrain.categorical, numerical: encodedTrain.numerical, labels: encodedTrain.clicked },
      { categorical: encodedTest.categorical, numerical: encodedTest.numerical, labels: encodedTest.clicked },
    );
    // the seed's settings: 20 epochs of batch 16, Adam lr 1e-3
    const result = await train(task, state, { epochs: 20, batchSize: 16, seed: 4, patience: 20, optimizer: SEED_OPTIMIZER });
    const losses = result.history.map((h) => h.trainLoss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.8);

    const session = await ort.InferenceSession.create(ctrInferenceGraph(model, state).serialize());
    const store = await MemoryFeatureStore.open(runDir);
    const encoder = new FeatureEncoder(stage.featureMap);
    const adIds = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const [userId, preferred] of [[1, 'shoes'], [4, 'tech'], [7, 'food']] as const) {
      const { user, ads } = store.lookupSync(userId, adIds);
      const rows: RawFeatureRow[] = adIds.map((adId, i) => ({
        user_id: userId, ad_id: adId, age_group: user.ageGroup, gender: user.gender, country: user.country,
        device: 'mobile', location: 'US', weekday: 3, month: 6, hour: 20,
        category: ads.category[i], advertiser_id: ads.advertiserId[i], format: ads.format[i], bid: ads.bid[i],
        user_historical_ctr: user.userHistoricalCtr, ad_historical_ctr: ads.adHistoricalCtr[i], user_x_category_ctr: ads.userXCategoryCtr[i],
        user_x_advertiser_converted: ads.userXAdvertiserConverted[i], user_x_category_converted: ads.userXCategoryConverted[i],
      }));
      const encoded = encoder.encodeRows(rows);
      const ids = new BigInt64Array(20 * 12);
      for (let f = 0; f < 12; f++) for (let i = 0; i < 20; i++) ids[i * 12 + f] = BigInt(encoded.categorical[f][i]);
      const out = await session.run({ ids: new ort.Tensor('int64', ids, [20, 12]), numerical: new ort.Tensor('float32', encoded.numerical, [20, 7]) });
      const prob = out.prob.data as Float32Array;
      const isPreferred = (i: number): boolean => ads.category[i] === preferred;
      const meanProb = (category: string): number => {
        const ps = adIds.map((_, i) => i).filter((i) => ads.category[i] === category).map((i) => prob[i]);
        return ps.reduce((a, b) => a + b, 0) / ps.length;
      };
      for (const other of ['shoes', 'tech', 'food'].filter((c) => c !== preferred)) {
        expect(meanProb(preferred), `user ${userId}: mean pCTR of ${preferred} vs ${other} ads`).toBeGreaterThan(meanProb(other));
      }
      if (userId === 1) {
        // the blog's headline user: shoe ads separated from the rest. With 500 noisy events each shoe ad is seen by
        // user 1 about twice, so one of the seven may slip (over initialisation seeds 1–8: AUC 0.86–1.0, the top 4
        // always shoes); the oracle's pCTR is ≥ 0.89 for every shoe ad and ≤ 0.38 for every other ad.
        let correct = 0;
        let pairs = 0;
        for (let p = 0; p < 20; p++) for (let o = 0; o < 20; o++) if (isPreferred(p) && !isPreferred(o)) { pairs++; correct += prob[p] > prob[o] ? 1 : 0; }
        expect(correct / pairs, 'user 1: pairwise AUC of shoe ads against the rest').toBeGreaterThan(0.85);
        const top4 = adIds.map((_, i) => i).sort((x, y) => prob[y] - prob[x]).slice(0, 4);
        expect(top4.every(isPreferred), 'user 1: top 4 by pCTR are shoe ads').toBe(true);
      }
    }
    await session.release();
  });
});

describe('held-out scoring', () => {
  it('scores the trained model and the oracle on the held-out log', async () => {
    const oracle = await heldOutOracle(data, dir);
    const labels = readCsvRows(join(dir, 'test_event_log.csv')).map((r) => +r.clicked);
    const truth = readCsvRows(join(dir, 'truth', 'test_event_log.truth.csv')).map((r) => +r.p_click);
    expect(oracle.auc).toBeCloseTo(rocAuc(truth, labels), 12);
    expect(oracle.logLoss).toBeCloseTo(logLoss(truth, labels), 12);

    const run = await trainCtrOnFeatures(data, stage, SEED_CTR_LOSS, { epochs: 5, batchSize: 16, seed: 2, patience: 5, optimizer: SEED_OPTIMIZER });
    const h = run.heldOut!;
    expect(h.rows).toBe(400);
    expect(h.clickRate).toBeCloseTo(labels.reduce((a, b) => a + b, 0) / 400, 12);
    // it learns something real, and no model beats the truth by more than sampling noise
    expect(h.auc).toBeGreaterThan(0.6);
    expect(h.auc).toBeLessThan(oracle.auc + 0.05);
  });
});
