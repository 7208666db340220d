// The retrieval stage: trains the two towers on the training log's clicks and computes the frozen ad vectors.
//   'sampled' — the seed: the clicked ad against K uniform negatives, with the seed's snapshot ad features;
//   'in-batch' — every ad of a batch is a candidate for every click (the clicked ads and K point-in-time
//   negatives per click), logQ-corrected, with the user's category affinities in the user tower.
// Legend: N clicks, K negatives per click, A ads, C categories, O vector dim.
import { Rng } from '../../core/rng.js';
import type { ClickHistory } from '../../features/click-history.js';
import type { EncodedTable, FeatureEncoder } from '../../features/encoder.js';
import { fieldCardinalities, idEncodingOf, type FeatureMap } from '../../features/feature-map.js';
import { TwoTowerModel, type TowerConfig } from '../../models/two-tower.js';
import { ModelState } from '../../train/model-state.js';
import type { EpochReport } from '../../train/progress.js';
import { RetrievalTask, type RetrievalRows, type SideColumns } from '../../train/retrieval-task.js';
import { train, type TrainResult, type TrainingTask } from '../../train/trainer.js';
import { TwoTowerTask } from '../../train/two-tower-task.js';
import { fillUntrainedRows } from '../../train/untrained-rows.js';
import type { RetrievalConfig } from '../config.js';
import { towerInferenceGraph } from '../export.js';
import { scoreRows } from '../predict.js';
import { adCtr, adRow, categoryBlock, categoryBlockWidth, encodeTower, type AdCatalog, type TowerFeatures } from '../tower-inputs.js';
import { optimizerSettings } from './ranking.js';

export interface TrainedRetrieval {
  model: TwoTowerModel;
  state: ModelState;
  result: TrainResult;
  user: TowerFeatures;
  ad: TowerFeatures;
  /** categories in affinity order */
  categories: string[];
  /** frozen vectors of every catalogue ad (A, O), or (A, O+1) with the log popularity prior last */
  adVectors: Float32Array;
  /** the user tower appends a 1 to meet the prior */
  popularityPrior: boolean;
  trainClicks: number;
}

export interface RetrievalInputs {
  map: FeatureMap;
  encoder: FeatureEncoder;
  /** every training-log row, encoded (point in time), in event order */
  encoded: EncodedTable;
  /** rows [0, trainRows) train, the rest validate */
  trainRows: number;
  catalog: AdCatalog;
  /** the point-in-time scan of the training log, with `negatives` negatives per click */
  history: ClickHistory;
  seed: number;
  onEpoch?: (r: EpochReport) => void;
}

/** Rows `rows` of the encoded table for a tower's features, with `extra` (rows, W) appended to the numericals. */
function gatherSide(table: EncodedTable, features: TowerFeatures, rows: Int32Array, extra?: Float32Array, extraWidth = 0): SideColumns {
  const categorical = features.categorical.map((name) => Int32Array.from(rows, (r) => table.categorical.get(name)![r]));
  const M = features.numerical.length;
  const width = M + extraWidth;
  const numerical = new Float32Array(rows.length * width);
  features.numerical.forEach((name, m) => {
    const column = table.numerical.get(name)!;
    rows.forEach((r, i) => (numerical[i * width + m] = column[r]));
  });
  if (extra) for (let i = 0; i < rows.length; i++) numerical.set(extra.subarray(i * extraWidth, (i + 1) * extraWidth), i * width + M);
  return { categorical, numerical };
}

function towerConfig(map: FeatureMap, features: TowerFeatures, numNumerical: number, cfg: RetrievalConfig): TowerConfig {
  return { fields: fieldCardinalities(map, features.categorical), embeddingDim: cfg.embeddingDim, numNumerical, hidden: cfg.hidden, outDim: cfg.outDim };
}

export async function trainRetrieval(cfg: RetrievalConfig, input: RetrievalInputs): Promise<TrainedRetrieval> {
  const { map, encoder, encoded, catalog } = input;
  const inBatch = cfg.kind === 'in-batch';
  const user: TowerFeatures = { categorical: cfg.user.categorical, numerical: cfg.user.numerical, categoryAffinity: inBatch && cfg.user.categoryAffinity, categoryImpressions: inBatch && cfg.user.categoryImpressions };
  const ad: TowerFeatures = { categorical: cfg.ad.categorical, numerical: cfg.ad.numerical };
  const rng = new Rng(input.seed).fork('retrieval');
  const history = input.history;
  const C = categoryBlockWidth(user, history.categories.length);
  const model = new TwoTowerModel({
    user: towerConfig(map, user, user.numerical.length + C, cfg),
    ad: towerConfig(map, ad, ad.numerical.length, cfg),
  });
  const state = ModelState.initialised(model, rng.fork('model'), cfg.training.embeddingInitStd);
  const adRowOf = new Map<number, number>();
  catalog.adId.forEach((id, a) => adRowOf.set(id, a));
  const split = splitClicks(history, input.trainRows);
  const rowsOf = (which: Int32Array): RetrievalRows => clickRows(input, history, which, user, ad, adRowOf, C);
  const trainRows = rowsOf(split.train);
  const validRows = split.valid.length > 0 ? rowsOf(split.valid) : undefined;
  let task: TrainingTask;
  const logQ = columnLogQ(trainRows.positive.ad, catalog.adId.length, cfg.negatives);
  const prior = cfg.kind === 'in-batch' && cfg.popularity === 'prior';
  if (cfg.kind === 'in-batch') {
    task = new RetrievalTask(model, cfg.negatives, prior ? new Float32Array(logQ.length) : logQ, trainRows, validRows);
  } else {
    const catalogSide = encodeTower(encoder, ad, Array.from(catalog.adId, (_, a) => adRow(catalog, a)));
    const clicks = (rows: RetrievalRows) => ({ user: rows.user, positiveAd: rows.positive.ad });
    task = new TwoTowerTask(model, catalogSide, clicks(trainRows), validRows && clicks(validRows), cfg.negatives);
  }
  const t = cfg.training;
  const result = await train(task, state, {
    epochs: t.epochs, batchSize: t.batchSize, seed: input.seed, patience: t.patience, optimizer: optimizerSettings(t), selectBy: 'loss', onEpoch: input.onEpoch,
  });
  // id rows no click trained take the OOV row
  for (const [tower, side, rows] of [['user', user, trainRows.user], ['ad', ad, trainRows.positive]] as const) {
    side.categorical.forEach((name, f) => {
      const id = idEncodingOf(map, name);
      if (id?.coldToOov) fillUntrainedRows(state.table(`${tower}.emb.${name}`), rows.categorical[f], id.spec.oovIndex);
    });
  }
  const towerVectors = await computeAdVectors(model, state, encoder, ad, catalog);
  const adVectors = prior ? appendColumn(towerVectors, cfg.outDim, popularityPrior(catalog, cfg.negatives)) : towerVectors;
  return { model, state, result, user, ad, categories: history.categories, adVectors, popularityPrior: prior, trainClicks: split.train.length };
}

function splitClicks(history: ClickHistory, trainRows: number): { train: Int32Array; valid: Int32Array } {
  const train: number[] = [];
  const valid: number[] = [];
  history.eventIndex.forEach((e, j) => (e < trainRows ? train : valid).push(j));
  return { train: Int32Array.from(train), valid: Int32Array.from(valid) };
}

/** The encoded rows of the clicks `which` (indices into the history): user side, clicked ad, negatives. */
function clickRows(input: RetrievalInputs, history: ClickHistory, which: Int32Array, user: TowerFeatures, ad: TowerFeatures, adRowOf: Map<number, number>, C: number): RetrievalRows {
  const { encoded, encoder, catalog } = input;
  const events = Int32Array.from(which, (j) => history.eventIndex[j]);
  const width = 2 * history.categories.length;
  const affinity = C > 0 ? new Float32Array(which.length * C) : undefined;
  if (affinity) which.forEach((j, i) => categoryBlock(user, history.clickProfiles.subarray(j * width, (j + 1) * width), affinity, i * C));
  const K = history.negatives;
  const negativeAd = new Int32Array(which.length * K);
  const negativeRows = [];
  for (let i = 0; i < which.length; i++) {
    const j = which[i];
    for (let s = 0; s < K; s++) {
      const a = history.negativeAd[j * K + s];
      negativeAd[i * K + s] = a;
      negativeRows.push(adRow(catalog, a, { impressions: history.negativeImpressions[j * K + s], clicks: history.negativeClicks[j * K + s], globalCtr: history.globalCtr[j] }));
    }
  }
  return {
    user: gatherSide(encoded, user, events, affinity, C),
    positive: { ...gatherSide(encoded, ad, events), ad: Int32Array.from(events, (e) => adRowOf.get(encoded.adId[e])!) },
    negative: { ...encodeTower(encoder, ad, negativeRows), ad: negativeAd },
  };
}

/**
 * log q_j of each ad: the probability that a column of a batch holds ad j — a clicked ad with its click frequency,
 * a negative uniformly — so q_j = (f_j + K/A) / (1 + K).
 */
export function columnLogQ(clickedAds: Int32Array, ads: number, negatives: number): Float32Array {
  const counts = new Float64Array(ads);
  for (const a of clickedAds) counts[a]++;
  const n = Math.max(1, clickedAds.length);
  return Float32Array.from(counts, (c) => Math.log((c / n + negatives / ads) / (1 + negatives)));
}

/**
 * The log prior added back at retrieval: the mixture of columns the towers were trained against, with each ad's
 * click share estimated as impressions × smoothed CTR (an ad's expected clicks: far less noisy than its 1–2 clicks).
 */
export function popularityPrior(catalog: AdCatalog, negatives: number): Float32Array {
  const A = catalog.adId.length;
  const expected = Float64Array.from(catalog.adId, (_, a) => catalog.impressions[a] * adCtr(catalog.clicks[a], catalog.impressions[a], catalog.globalCtr, catalog.ctrPriorStrength));
  const total = expected.reduce((s, x) => s + x, 0) || 1;
  return Float32Array.from(expected, (x) => Math.log((x / total + negatives / A) / (1 + negatives)));
}

/** (A, O) vectors with one more component per row: (A, O+1). */
function appendColumn(vectors: Float32Array, dim: number, column: Float32Array): Float32Array {
  const A = column.length;
  const out = new Float32Array(A * (dim + 1));
  for (let a = 0; a < A; a++) {
    out.set(vectors.subarray(a * dim, (a + 1) * dim), a * (dim + 1));
    out[a * (dim + 1) + dim] = column[a];
  }
  return out;
}

/** The ad tower over the whole catalogue at the end of training: the vectors the index serves. */
async function computeAdVectors(model: TwoTowerModel, state: ModelState, encoder: FeatureEncoder, ad: TowerFeatures, catalog: AdCatalog): Promise<Float32Array> {
  const rows = encodeTower(encoder, ad, Array.from(catalog.adId, (_, a) => adRow(catalog, a)));
  return (await scoreRows(towerInferenceGraph(model.ad, state).serialize(), rows, ['vector'])).vector;
}
