// `adrank train`: the whole offline pipeline into one run directory — load and validate → point-in-time features →
// FeatureMap → two-tower retrieval → CTR → CVR → calibration → evaluation against baselines and the oracle → report.
// Every stage reports its timing; the run is built in a temporary folder and renamed into place with its
// manifest written last (run-dir.ts), so a failed run leaves nothing that looks complete.
import { loadData, type LoadedData, type OnBadRow } from '../data/load.js';
import type { DataSources } from '../data/sources.js';
import { encodeTable, FeatureEncoder, type EncodedFeatures, type EncodedTable } from '../features/encoder.js';
import { buildFeatures, writeFeatureRun, type FeatureStage } from '../features/pipeline.js';
import type { EpochReport } from '../train/progress.js';
import { calibrateAll, fitCalibrator, type Calibrator } from '../train/calibration.js';
import type { RankingModelConfig, TrainConfig } from './config.js';
import { checkRunTarget, writeRun } from './run-dir.js';
import { carveHeldOut, planSplits, type Splits } from './splits.js';
import { modelRows, rankingGraphBytes, rankingLogits, subsetRows, trainRanking, type TrainedRanking } from './stages/ranking.js';
import { scanClickHistory, type ClickHistory } from '../features/click-history.js';
import { Rng } from '../core/rng.js';
import { trainRetrieval, type TrainedRetrieval } from './stages/retrieval.js';
import { readAdCatalog, type AdCatalog } from './tower-inputs.js';
import { towerInferenceGraph } from './export.js';
import { evaluateRun, type RunMetrics } from './stages/run-evaluation.js';
import { writeRunFiles } from './stages/write-run.js';
import { readOnlineTables, type OnlineTables } from '../features/online/tables.js';
import type { LoadedModel } from './load-run.js';
import { RunScorer, type RunParts } from './predict-run.js';
import { fitShortlist, towerShortlist, type BuiltShortlist } from './shortlist.js';

export interface TrainProgress {
  stage(name: string, seconds: number, note?: string): void;
  epoch(model: string, report: EpochReport): void;
}

export interface TrainOptions {
  sources: DataSources;
  out: string;
  config: TrainConfig;
  onBadRow: OnBadRow;
  replace: boolean;
  progress: TrainProgress;
  /** the generated world's directory (for the oracle), when the data is one */
  worldDir?: string;
  screenshot: boolean;
  /** how to load and validate the sources (the CLI prints the files read and the problems found) */
  load?: (sources: DataSources) => Promise<LoadedData>;
}

export interface TrainedRun {
  config: TrainConfig;
  data: LoadedData;
  stage: FeatureStage;
  splits: Splits;
  encoder: FeatureEncoder;
  train: EncodedTable;
  test: EncodedTable;
  catalog: AdCatalog;
  retrieval: TrainedRetrieval;
  ctr: TrainedRanking;
  cvr: TrainedRanking;
  models: { ctr: Uint8Array; cvr: Uint8Array; userTower: Uint8Array; adTower: Uint8Array };
  calibration: { ctr: Calibrator; cvr: Calibrator };
  /** logits of every held-out row (CTR), and of every held-out row (CVR; only clicked rows count) */
  heldOutLogits: { ctr: Float32Array; cvr: Float32Array };
  /** the models as a loaded run holds them, for scoring before the run is written */
  parts: RunParts;
  timings: { stage: string; seconds: number }[];
}

export interface TrainSummary {
  out: string;
  runId: string;
  seconds: number;
  timings: { stage: string; seconds: number }[];
  metrics: RunMetrics;
}

/** Runs the pipeline and writes the run directory. */
export async function trainRun(options: TrainOptions): Promise<TrainSummary> {
  const started = performance.now();
  const timings: { stage: string; seconds: number }[] = [];
  let mark = performance.now();
  const done = (stage: string, note?: string): void => {
    const seconds = (performance.now() - mark) / 1000;
    timings.push({ stage, seconds });
    options.progress.stage(stage, seconds, note);
    mark = performance.now();
  };
  const { config } = options;
  checkRunTarget(options.out, options.replace); // before any work: an existing run or a foreign folder is refused now
  const data = options.load ? await options.load(options.sources) : await loadData(options.sources, { onBadRow: options.onBadRow });
  try {
    const carved = await carveHeldOut(data);
    done('load + validate', `${data.counts.events} training events, ${data.counts.testEvents} held-out${carved ? ' (carved from the end of the event log)' : ''}`);
    const run = await trainModels(options, data, carved, done, timings);
    const metrics = await evaluateRun(run, { worldDir: carved ? undefined : options.worldDir, seed: config.seed });
    done('evaluation');
    const manifest = await writeRun(options.out, 'train', options.replace, async (tmp) => {
      await writeFeatureRun(data, run.stage, tmp);
      const shortlist = await buildShortlist(run, await readOnlineTables(tmp));
      done('shortlist', shortlist.shortlist.fit ? `${shortlist.shortlist.fit.requests} requests × ${shortlist.shortlist.fit.ads} ads, tower weight ${shortlist.shortlist.towerWeight.toFixed(3)}, category weight ${shortlist.shortlist.categoryWeight.toFixed(3)}, in-sample coverage ${shortlist.shortlist.fit.coverage.toFixed(3)}` : 'the tower score');
      await writeRunFiles(tmp, run, metrics, { screenshot: options.screenshot, totalSeconds: (performance.now() - started) / 1000, shortlist });
      return { featureMapHash: run.stage.featureMap.contentHash };
    });
    done('write run');
    return { out: options.out, runId: manifest.createdAt, seconds: (performance.now() - started) / 1000, timings, metrics };
  } finally {
    data.db.close();
  }
}

async function trainModels(options: TrainOptions, data: LoadedData, carved: boolean, done: (stage: string, note?: string) => void, timings: TrainedRun['timings']): Promise<TrainedRun> {
  const { config, progress } = options;
  const f = config.features;
  const stage = await buildFeatures(data, { mode: f.mode, ctrPriorStrength: f.ctrPriorStrength }, {
    minCount: f.minCount, maxIdRows: f.maxIdRows, idRows: f.idRows, minIdEvents: f.minIdEvents, hashShare: f.hashShare,
  });
  const map = stage.featureMap;
  const encoder = new FeatureEncoder(map);
  const train = await encodeTable(data.db, stage.tables.train, map);
  const test = await encodeTable(data.db, stage.tables.test!, map);
  const catalog = await readAdCatalog(data.db, f.ctrPriorStrength);
  const splits = planSplits(train.n, test.n, config.splits.validationShare, config.splits.protocol, carved);
  const wantProfiles = config.ctr.categoryProfile || config.cvr.categoryProfile;
  const history = await scanClickHistory(data.db, 'event_log', { ctrPriorStrength: f.ctrPriorStrength, negatives: config.retrieval.negatives, rng: new Rng(config.seed).fork('negatives'), profiles: wantProfiles });
  const profiles = wantProfiles ? heldOutProfiles(history, test) : null;
  done('features + FeatureMap', `${f.mode}, FeatureMap ${map.contentHash.slice(7, 19)}`);

  const retrieval = await trainRetrieval(config.retrieval, {
    map, encoder, encoded: train, trainRows: splits.trainRows, catalog, history, seed: config.seed, onEpoch: (r) => progress.epoch('two-tower', r),
  });
  done('two-tower', `${retrieval.trainClicks} training clicks, ${bestEpoch(retrieval.result.bestEpoch)}`);

  const C = history.categories.length;
  // a model's rows: its features, plus the category profile (point in time for training rows) when it reads it
  const view = (model: RankingModelConfig, from: number, to: number): EncodedFeatures => modelRows(model, train, history.rowProfiles ?? null, C, from, to);
  const ctr = await trainRanking(config.ctr, map, { train: view(config.ctr, 0, splits.trainRows), valid: view(config.ctr, splits.trainRows, train.n) }, {
    kind: 'dlrm', label: 'clicked', seed: config.seed, categories: C, onEpoch: (r) => progress.epoch('CTR', r),
  });
  done('CTR model', bestEpoch(ctr.result.bestEpoch));

  const esmm = config.cvr.kind === 'esmm';
  const cvrView = (from: number, to: number) => {
    const rows = view(config.cvr, from, to);
    return esmm ? rows : subsetRows(rows, (i) => rows.clicked[i] === 1);
  };
  const cvr = await trainRanking(config.cvr, map, { train: cvrView(0, splits.trainRows), valid: cvrView(splits.trainRows, train.n) }, {
    kind: esmm ? 'esmm' : 'dlrm', label: 'converted', seed: config.seed + 1, categories: C, onEpoch: (r) => progress.epoch('CVR', r),
  });
  done('CVR model', `${esmm ? 'ESMM over all impressions' : 'clicked rows'}, ${bestEpoch(cvr.result.bestEpoch)}`);

  const hash = map.contentHash;
  const tower = (t: 'user' | 'ad') => {
    const g = towerInferenceGraph(t === 'user' ? retrieval.model.user : retrieval.model.ad, retrieval.state, { appendOne: t === 'user' && retrieval.popularityPrior });
    const side = t === 'user' ? retrieval.user : retrieval.ad;
    g.setMetadata('adrank.feature_map_hash', hash);
    g.setMetadata('adrank.categorical', JSON.stringify(side.categorical));
    g.setMetadata('adrank.numerical', JSON.stringify(side.numerical));
    if (t === 'user' && (side.categoryAffinity || side.categoryImpressions)) g.setMetadata('adrank.category_block', JSON.stringify({ categories: retrieval.categories, affinity: side.categoryAffinity, impressions: side.categoryImpressions }));
    if (retrieval.popularityPrior) g.setMetadata('adrank.popularity_prior', t === 'user' ? 'the vector ends with 1' : 'index vectors append log q');
    return g.serialize();
  };
  const profileOf = (model: RankingModelConfig): string[] | null => (model.categoryProfile ? history.categories : null);
  const models = {
    ctr: rankingGraphBytes(ctr, hash, config.ctr.features, profileOf(config.ctr)),
    cvr: rankingGraphBytes(cvr, hash, config.cvr.features, profileOf(config.cvr)),
    userTower: tower('user'),
    adTower: tower('ad'),
  };
  const heldOut = (model: RankingModelConfig): EncodedFeatures => modelRows(model, test, profiles, C);
  const heldOutLogits = {
    ctr: await rankingLogits(models.ctr, 'dlrm', heldOut(config.ctr)),
    cvr: await rankingLogits(models.cvr, cvr.kind, heldOut(config.cvr)),
  };
  const calRows = splits.calibration;
  const clickedCal = Int32Array.from([...calRows].filter((r) => test.clicked[r] === 1));
  const calibration = {
    ctr: fitCalibrator(config.calibration.method, Float32Array.from(calRows, (r) => heldOutLogits.ctr[r]), Float32Array.from(calRows, (r) => test.clicked[r])),
    cvr: fitCalibrator(config.calibration.method, Float32Array.from(clickedCal, (r) => heldOutLogits.cvr[r]), Float32Array.from(clickedCal, (r) => test.converted[r])),
  };
  done('calibration', `${config.calibration.method} on ${calRows.length} held-out rows (${clickedCal.length} clicked)`);
  const loaded = (bytes: Uint8Array, features: { categorical: readonly string[]; numerical: readonly string[] }, profileCategories: string[] | null): LoadedModel => ({
    bytes, categorical: [...features.categorical], numerical: [...features.numerical], profileCategories,
  });
  const parts: RunParts = {
    featureMap: map, calibration,
    models: {
      ctr: { ...loaded(models.ctr, config.ctr.features, profileOf(config.ctr)), kind: 'dlrm' },
      cvr: { ...loaded(models.cvr, config.cvr.features, profileOf(config.cvr)), kind: cvr.kind },
      userTower: loaded(models.userTower, retrieval.user, null), adTower: loaded(models.adTower, retrieval.ad, null),
    },
    retrieval: { user: retrieval.user, ad: retrieval.ad, categories: retrieval.categories },
  };
  return { config, data, stage, splits, encoder, train, test, catalog, retrieval, ctr, cvr, models, calibration, heldOutLogits, parts, timings };
}

/** The serving shortlist of the run (see shortlist.ts), fitted on requests sampled from the validation rows. */
async function buildShortlist(run: TrainedRun, tables: OnlineTables): Promise<BuiltShortlist> {
  const s = run.config.shortlist;
  const vectors = run.retrieval.adVectors;
  const A = run.catalog.adId.length;
  const categories = run.retrieval.categories;
  if (s.kind === 'tower') return { shortlist: towerShortlist(vectors.length / A, categories), prior: null, categoryCode: new Int32Array(0) };
  const from = run.splits.trainRows < run.train.n ? run.splits.trainRows : 0;
  const picked = new Rng(run.config.seed).fork('shortlist requests').permutation(run.train.n - from).subarray(0, s.requests);
  const wanted = Array.from(picked, (i) => from + i).sort((x, y) => x - y);
  const rows = await run.data.db.rows(`SELECT user_id::DOUBLE AS u, CAST(device AS VARCHAR) AS d, CAST(location AS VARCHAR) AS l, weekday, month, hour
      FROM ${run.stage.tables.train} WHERE event_idx IN (${wanted.join(',')}) ORDER BY event_idx`);
  const requests = rows.map((r) => ({ userId: Number(r.u), device: String(r.d), location: String(r.l), weekday: Number(r.weekday), month: Number(r.month), hour: Number(r.hour) }));
  return fitShortlist(new RunScorer(run.parts, tables), vectors, { requests, maxPairs: s.maxPairs, candidates: s.candidates, seed: run.config.seed });
}

/** The category profile of every held-out row: its user's as of the end of training (N, 2C). */
export function heldOutProfiles(history: ClickHistory, test: EncodedTable): Float32Array {
  const width = 2 * history.categories.length;
  const rowOf = new Map<number, number>();
  history.userIds.forEach((id, u) => rowOf.set(id, u));
  const out = new Float32Array(test.n * width);
  for (let i = 0; i < test.n; i++) {
    const u = rowOf.get(test.userId[i]);
    if (u !== undefined) out.set(history.endProfiles!.subarray(u * width, (u + 1) * width), i * width);
  }
  return out;
}

function bestEpoch(epoch: number): string {
  return epoch < 0 ? 'no validation split: the last epoch' : `best epoch ${epoch + 1}`;
}

/** Calibrated CTR probabilities of held-out rows. */
export function calibratedCtr(run: TrainedRun, rows: Int32Array): Float32Array {
  return calibrateAll(run.calibration.ctr, Float32Array.from(rows, (r) => run.heldOutLogits.ctr[r]));
}
