// Model choice by measurement: trains variants of the default CTR, CVR or retrieval model on a generated world and
// prints their validation and held-out scores, side by side in one process, next to the logistic-regression
// baseline. The default config's choices are the best variants here (README: "Why the default departs from
// the seed"). Usage: node dist/bench/tune.js [ctr|cvr] [preset] [variant names…]
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { deepMerge } from '../src/core/strict-config.js';
import { CTR_CROSSES, CVR_CROSSES, baselineLogits, rowRange, trainLogisticBaseline } from '../src/eval/baselines.js';
import { rocAuc } from '../src/eval/metrics.js';
import { encodeTable } from '../src/features/encoder.js';
import { buildFeatures } from '../src/features/pipeline.js';
import { parseTrainConfig, resolveTrainConfig, type RankingModelConfig } from '../src/pipeline/config.js';
import { modelRows, rankingGraphBytes, rankingLogits, subsetRows, trainRanking } from '../src/pipeline/stages/ranking.js';
import { heldOutProfiles } from '../src/pipeline/train-run.js';
import { scanClickHistory, type ClickHistory } from '../src/features/click-history.js';
import { Rng } from '../src/core/rng.js';
import { planSplits } from '../src/pipeline/splits.js';
import { loadWorld } from '../src/data/generate/write-world.js';
import type { LoadedData } from '../src/data/load.js';
import { FeatureEncoder, type EncodedTable } from '../src/features/encoder.js';
import type { FeatureStage } from '../src/features/pipeline.js';
import type { TrainConfig } from '../src/pipeline/config.js';
import { towerInferenceGraph } from '../src/pipeline/export.js';
import type { Splits } from '../src/pipeline/splits.js';
import { evaluateRecall } from '../src/pipeline/stages/recall.js';
import { trainRetrieval } from '../src/pipeline/stages/retrieval.js';
import { readAdCatalog } from '../src/pipeline/tower-inputs.js';
import { benchWorld } from './worlds.js';
import { peakRssMb, report, round } from './measure.js';

/** Variants as partial model configs laid over the default's. */
const VARIANTS: Record<string, unknown> = {
  default: {},
  'focal loss': { loss: { kind: 'focal', alpha: 0.25, gamma: 2 } },
  'seed features': { features: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'category', 'advertiser_id', 'format', 'user_id', 'ad_id'], numerical: ['hour', 'user_historical_ctr', 'user_x_category_ctr', 'user_x_advertiser_converted', 'user_x_category_converted', 'bid', 'ad_historical_ctr'] } },
  'init 0.01': { training: { embeddingInitStd: 0.01 } },
  'init 0.1': { training: { embeddingInitStd: 0.1 } },
  'init 0.01, sparse lr 0.01': { training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
  'init 0.1, sparse lr 0.01': { training: { embeddingInitStd: 0.1, optimizer: { sparse: { lr: 0.01 } } } },
  'init 0.05, adagrad 0.05': { training: { embeddingInitStd: 0.05, optimizer: { sparse: { kind: 'adagrad', lr: 0.05 } } } },
  'no dropout': { dropout: 0 },
  'one epoch, init 0.01, sparse lr 0.01, category profile': { categoryProfile: true, training: { epochs: 1, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
  'one epoch, init 0.01, sparse lr 0.01': { training: { epochs: 1, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
  'one epoch, init 0.01, sparse lr 0.03': { training: { epochs: 1, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.03 } } } },
  'one epoch, init 0.01, sparse lr 0.01, dense lr 0.003': { training: { epochs: 1, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 }, dense: { lr: 0.003 } } } },
  'one epoch, init 0.01, sparse lr 0.01, batch 256': { training: { epochs: 1, batchSize: 256, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
  'one epoch, init 0.01, sparse lr 0.01, batch 4096, dense lr 0.004': { training: { epochs: 1, batchSize: 4096, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 }, dense: { lr: 0.004 } } } },
  'one epoch, no ids, init 0.01, sparse lr 0.01': { features: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour', 'category', 'advertiser_id', 'format'] }, training: { epochs: 1, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
  'init 0.01, sparse lr 0.01, sparse wd 1': { training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01, weightDecay: 1 } } } },
  'init 0.01, sparse lr 0.01, sparse wd 10': { training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01, weightDecay: 10 } } } },
  'sparse wd 1': { training: { optimizer: { sparse: { weightDecay: 1 } } } },
  'init 0.01, sparse lr 0.003': { training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.003 } } } },
  'init 0.01, sparse lr 0.003, dropout 0.1': { dropout: 0.1, training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.003 } } } },
  'init 0.01, sparse lr 0.003, dim 8': { embeddingDim: 8, projectionDim: 8, training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.003 } } } },
  'init 0.01, sparse lr 0.003, dim 32': { embeddingDim: 32, projectionDim: 16, training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.003 } } } },
  'init 0.01, sparse lr 0.003, hidden 256-128': { hidden: [256, 128], training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.003 } } } },
  'dense lr 0.003': { training: { optimizer: { dense: { lr: 0.003 } } } },
  'batch 4096': { training: { batchSize: 4096 } },
  'no id embeddings': { features: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour', 'category', 'advertiser_id', 'format'] } },
  esmm: { kind: 'esmm', training: { batchSize: 1024, epochs: 3, patience: 1 } },
  'esmm, init 0.01': { kind: 'esmm', training: { batchSize: 1024, epochs: 3, patience: 1, embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.003 } } } },
  'cvr features, dim 8, init 0.01, category profile': { categoryProfile: true, embeddingDim: 8, projectionDim: 8, features: { categorical: ['device', 'category', 'advertiser_id', 'format', 'user_id', 'ad_id'], numerical: ['bid_log', 'user_historical_ctr', 'ad_historical_ctr', 'user_x_category_ctr'] }, training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
  'lr features, dim 8': { embeddingDim: 8, projectionDim: 8, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] } },
  'lr features, dim 4': { embeddingDim: 4, projectionDim: 4, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] } },
  'lr features, dim 2': { embeddingDim: 2, projectionDim: 2, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] } },
  'lr features, dim 4, sparse lr 0.003': { embeddingDim: 4, projectionDim: 4, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] }, training: { optimizer: { sparse: { lr: 0.003 } } } },
  'lr features, dim 4, batch 1024': { embeddingDim: 4, projectionDim: 4, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] }, training: { batchSize: 1024 } },
  'lr features + ctrs, dim 4': { embeddingDim: 4, projectionDim: 4, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log', 'user_historical_ctr', 'ad_historical_ctr', 'user_x_category_ctr'] } },
  'lr features, dim 4, hidden 64-32': { embeddingDim: 4, projectionDim: 4, hidden: [64, 32], features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] } },
  'lr features, dim 4, dropout 0.5': { embeddingDim: 4, projectionDim: 4, dropout: 0.5, features: { categorical: ['device', 'category', 'advertiser_id', 'user_id', 'ad_id'], numerical: ['bid_log'] } },
  'cvr features, no user_id': { features: { categorical: ['device', 'category', 'advertiser_id', 'format', 'ad_id'] } },
  'cvr features, hidden 32': { hidden: [32] },
  'cvr features': { features: { categorical: ['device', 'category', 'advertiser_id', 'format', 'user_id', 'ad_id'], numerical: ['bid_log', 'user_historical_ctr', 'ad_historical_ctr', 'user_x_category_ctr'] } },
  'cvr features, dim 8, init 0.01': { embeddingDim: 8, projectionDim: 8, features: { categorical: ['device', 'category', 'advertiser_id', 'format', 'user_id', 'ad_id'], numerical: ['bid_log', 'user_historical_ctr', 'ad_historical_ctr', 'user_x_category_ctr'] }, training: { embeddingInitStd: 0.01, optimizer: { sparse: { lr: 0.01 } } } },
};

/** Retrieval variants, laid over the default's retrieval config. */
const RETRIEVAL_VARIANTS: Record<string, unknown> = {
  default: {},
  'no user_id': { user: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour'] } },
  'no ad_id': { ad: { categorical: ['category', 'advertiser_id', 'format'] } },
  'no ids': { user: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour'] }, ad: { categorical: ['category', 'advertiser_id', 'format'] } },
  'negatives 8': { negatives: 8 },
  'batch 2048': { training: { batchSize: 2048 } },
  'dense lr 0.003': { training: { optimizer: { dense: { lr: 0.003 } } } },
  'weight decay 1e-4': { training: { optimizer: { dense: { weightDecay: 0.0001 } } } },
  'no affinity': { user: { categoryAffinity: false } },
  sampled: { kind: 'sampled', negatives: 16 },
  prior: { popularity: 'prior' },
  'impressions': { user: { categoryImpressions: true } },
  'prior, impressions': { popularity: 'prior', user: { categoryImpressions: true } },
  'prior, impressions, no ids': { popularity: 'prior', user: { categoryImpressions: true, categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour'] }, ad: { categorical: ['category', 'advertiser_id', 'format'] } },
  'prior, no ids': { popularity: 'prior', user: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour'] }, ad: { categorical: ['category', 'advertiser_id', 'format'] } },
  'prior, no ids, hidden 64, out 32': { popularity: 'prior', hidden: [64], outDim: 32, user: { categorical: ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'hour'] }, ad: { categorical: ['category', 'advertiser_id', 'format'] } },
};

async function main(): Promise<void> {
  const [task = 'ctr', preset = 'medium', ...names] = process.argv.slice(2);
  const override = process.env.ADRANK_TUNE_CONFIG ? JSON.parse(process.env.ADRANK_TUNE_CONFIG) : {};
  const base = parseTrainConfig(deepMerge(JSON.parse(JSON.stringify(await resolveTrainConfig('default'))), override));
  const dir = await benchWorld(preset);
  const data = await loadData(resolveSources(dir));
  const f = base.features;
  const stage = await buildFeatures(data, { mode: f.mode, ctrPriorStrength: f.ctrPriorStrength }, { minCount: f.minCount, maxIdRows: f.maxIdRows, idRows: f.idRows, minIdEvents: f.minIdEvents, hashShare: f.hashShare });
  const map = stage.featureMap;
  const train = await encodeTable(data.db, stage.tables.train, map);
  const test = await encodeTable(data.db, stage.tables.test!, map);
  const splits = planSplits(train.n, test.n, base.splits.validationShare, 'holdout', false);
  if (task === 'retrieval') {
    const history = await scanClickHistory(data.db, 'event_log', { ctrPriorStrength: base.features.ctrPriorStrength, negatives: base.retrieval.negatives, rng: new Rng(base.seed).fork('negatives') });
    await tuneRetrieval(base, dir, data, stage, train, splits, names, history);
    data.db.close();
    return;
  }
  const history = await scanClickHistory(data.db, 'event_log', { ctrPriorStrength: base.features.ctrPriorStrength, negatives: base.retrieval.negatives, rng: new Rng(base.seed).fork('negatives'), profiles: true });
  const C = history.categories.length;
  const testProfiles = heldOutProfiles(history, test);
  const label = task === 'ctr' ? 'clicked' : 'converted';
  const keepClicked = task === 'cvr';
  const heldOut = Int32Array.from([...splits.report].filter((r) => !keepClicked || test.clicked[r] === 1));
  const heldOutLabels = Float32Array.from(heldOut, (r) => (label === 'clicked' ? test.clicked[r] : test.converted[r]));

  const lr = trainLogisticBaseline('lr', train, rowRange(0, splits.trainRows, keepClicked ? train : undefined), rowRange(splits.trainRows, train.n, keepClicked ? train : undefined),
    { crosses: task === 'ctr' ? CTR_CROSSES : CVR_CROSSES, dense: task === 'ctr' ? [] : ['bid_log'], label }, 1);
  report({ bench: 'tune', task, preset, variant: 'logistic regression baseline', heldOutAuc: round(rocAuc(baselineLogits(lr, test, heldOut), heldOutLabels), 4) });

  for (const name of names.length ? names : Object.keys(VARIANTS)) {
    const merged = deepMerge(JSON.parse(JSON.stringify(base)), { [task]: VARIANTS[name] });
    const config = parseTrainConfig(merged);
    const cfg: RankingModelConfig = task === 'ctr' ? config.ctr : config.cvr;
    const kind = task === 'cvr' && config.cvr.kind === 'esmm' ? 'esmm' : 'dlrm';
    const view = (from: number, to: number) => {
      const rows = modelRows(cfg, train, history.rowProfiles ?? null, C, from, to);
      return keepClicked && kind === 'dlrm' ? subsetRows(rows, (i) => rows.clicked[i] === 1) : rows;
    };
    const started = performance.now();
    const trained = await trainRanking(cfg, map, { train: view(0, splits.trainRows), valid: view(splits.trainRows, train.n) }, { kind, label, seed: config.seed, categories: C });
    const seconds = (performance.now() - started) / 1000;
    const logits = await rankingLogits(rankingGraphBytes(trained, map.contentHash, cfg.features, null), kind, modelRows(cfg, test, testProfiles, C));
    report({
      bench: 'tune', task, preset, variant: name, seconds: round(seconds, 1), bestEpoch: trained.result.bestEpoch + 1,
      validAuc: trained.result.history.map((h) => round(h.validAuc ?? NaN, 4)),
      heldOutAuc: round(rocAuc(Float32Array.from(heldOut, (r) => logits[r]), heldOutLabels), 4),
      peakRssMb: peakRssMb(),
    });
  }
  data.db.close();
}

async function tuneRetrieval(base: TrainConfig, dir: string, data: LoadedData, stage: FeatureStage, train: EncodedTable, splits: Splits, names: string[], baseHistory: ClickHistory): Promise<void> {
  const encoder = new FeatureEncoder(stage.featureMap);
  const catalog = await readAdCatalog(data.db, base.features.ctrPriorStrength);
  const world = await loadWorld(dir);
  for (const name of names.length ? names : Object.keys(RETRIEVAL_VARIANTS)) {
    const config = parseTrainConfig(deepMerge(JSON.parse(JSON.stringify(base)), { retrieval: RETRIEVAL_VARIANTS[name] }));
    const started = performance.now();
    const history = config.retrieval.negatives === base.retrieval.negatives ? baseHistory
      : await scanClickHistory(data.db, 'event_log', { ctrPriorStrength: config.features.ctrPriorStrength, negatives: config.retrieval.negatives, rng: new Rng(config.seed).fork('negatives') });
    const trained = await trainRetrieval(config.retrieval, { map: stage.featureMap, encoder, encoded: train, trainRows: splits.trainRows, catalog, history, seed: config.seed });
    const seconds = (performance.now() - started) / 1000;
    const tower = towerInferenceGraph(trained.model.user, trained.state, { appendOne: trained.popularityPrior }).serialize();
    const recall = await evaluateRecall({
      db: data.db, encoder, catalog, testTable: stage.tables.test!, rows: splits.report, k: [10, 100, 1000], userTower: tower, user: trained.user, categories: trained.categories,
      adVectors: trained.adVectors, ctrPriorStrength: config.features.ctrPriorStrength, world: name === 'default' ? world : undefined, maxClicks: 5000, seed: 1,
    });
    report({
      bench: 'tune', task: 'retrieval', variant: name, seconds: round(seconds, 1), bestEpoch: trained.result.bestEpoch + 1, validLoss: trained.result.history.map((h) => round(h.validLoss ?? NaN, 4)),
      recall: Object.fromEntries(recall.results.map((r) => [r.name, r.recall.map((x) => round(x, 4))])),
    });
  }
}

await main();
