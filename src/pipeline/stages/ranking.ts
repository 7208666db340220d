// The ranking models of a run: the CTR model (the seed's DLRM on its configured features) and the CVR model (the
// same architecture on clicked rows, or ESMM over all impressions). Each trains with early stopping on the
// validation split and ends on its best epoch's weights; id rows that training never touched take the OOV row.
// Legend: N rows, F fields, M numerical features.
import { Rng } from '../../core/rng.js';
import { SEED_ADAM } from '../../engine/optim/adam.js';
import { SEED_LAZY_ADAM } from '../../engine/optim/sparse.js';
import { selectColumns, type EncodedFeatures, type EncodedTable } from '../../features/encoder.js';
import { fieldCardinalities, idEncodingOf, type FeatureMap } from '../../features/feature-map.js';
import { CtrModel, type CtrModelConfig } from '../../models/ctr-model.js';
import { EsmmModel } from '../../models/esmm-model.js';
import type { CtrLoss } from '../../train/ctr-graph.js';
import { CtrTask } from '../../train/ctr-task.js';
import { EsmmTask } from '../../train/esmm-task.js';
import { ModelState } from '../../train/model-state.js';
import type { EpochReport } from '../../train/progress.js';
import type { OptimizerSettings } from '../../train/train-step.js';
import { train, type TrainResult, type TrainingTask } from '../../train/trainer.js';
import { fillUntrainedRows } from '../../train/untrained-rows.js';
import type { RankingModelConfig, TrainingConfig } from '../config.js';
import { ctrInferenceGraph, esmmInferenceGraph } from '../export.js';
import { scoreRows } from '../predict.js';

export interface TrainedRanking {
  kind: 'dlrm' | 'esmm';
  model: CtrModel | EsmmModel;
  state: ModelState;
  result: TrainResult;
  /** rows of id tables filled from the OOV row after training, by table */
  filledRows: Record<string, number>;
}

export function optimizerSettings(training: TrainingConfig): OptimizerSettings {
  const { dense, sparse } = training.optimizer;
  return {
    dense: { ...SEED_ADAM, lr: dense.lr, weightDecay: dense.weightDecay },
    sparse: sparse.kind === 'lazy-adam' ? { kind: 'lazy-adam', ...SEED_LAZY_ADAM, lr: sparse.lr, weightDecay: sparse.weightDecay } : { kind: 'adagrad', lr: sparse.lr, eps: 1e-10 },
  };
}

/** `categories`: the categories of the profile block when the model reads it. */
export function modelConfig(cfg: RankingModelConfig, map: FeatureMap, categories: number): CtrModelConfig {
  return {
    fields: fieldCardinalities(map, cfg.features.categorical),
    embeddingDim: cfg.embeddingDim,
    projectionDim: cfg.projectionDim,
    numNumerical: cfg.features.numerical.length + (cfg.categoryProfile ? 2 * categories : 0),
    hidden: cfg.hidden,
    dropout: cfg.dropout,
  };
}

/** Rows of `rows` whose `keep` is set, as a new view (copies). */
export function subsetRows(rows: EncodedFeatures, keep: (i: number) => boolean): EncodedFeatures {
  const index: number[] = [];
  for (let i = 0; i < rows.n; i++) if (keep(i)) index.push(i);
  const M = rows.n > 0 ? rows.numerical.length / rows.n : 0;
  const numerical = new Float32Array(index.length * M);
  index.forEach((i, j) => numerical.set(rows.numerical.subarray(i * M, (i + 1) * M), j * M));
  return {
    n: index.length,
    categorical: rows.categorical.map((c) => Int32Array.from(index, (i) => c[i])),
    numerical,
    clicked: Float32Array.from(index, (i) => rows.clicked[i]),
    converted: Float32Array.from(index, (i) => rows.converted[i]),
  };
}

/** Rows [from, to) of `rows` as views (no copy). */
export function sliceRows(rows: EncodedFeatures, from: number, to: number): EncodedFeatures {
  const M = rows.n > 0 ? rows.numerical.length / rows.n : 0;
  return {
    n: to - from,
    categorical: rows.categorical.map((c) => c.subarray(from, to)),
    numerical: rows.numerical.subarray(from * M, to * M),
    clicked: rows.clicked.subarray(from, to),
    converted: rows.converted.subarray(from, to),
  };
}

export interface RankingInputs {
  train: EncodedFeatures;
  valid: EncodedFeatures | null;
}

/** Trains a DLRM on `label` (clicked for CTR, converted for CVR on clicked rows), or ESMM over all impressions. */
export async function trainRanking(
  cfg: RankingModelConfig, map: FeatureMap, data: RankingInputs,
  options: { kind: 'dlrm' | 'esmm'; label: 'clicked' | 'converted'; seed: number; categories: number; onEpoch?: (r: EpochReport) => void },
): Promise<TrainedRanking> {
  const config = modelConfig(cfg, map, options.categories);
  const loss: CtrLoss = cfg.loss;
  const columns = (rows: EncodedFeatures) => ({ categorical: rows.categorical, numerical: rows.numerical, labels: options.label === 'clicked' ? rows.clicked : rows.converted });
  let model: CtrModel | EsmmModel;
  let task: TrainingTask;
  if (options.kind === 'esmm') {
    model = new EsmmModel(config);
    const esmm = (rows: EncodedFeatures) => ({ ...columns(rows), labels: rows.clicked, converted: rows.converted });
    task = new EsmmTask(model, esmm(data.train), data.valid && data.valid.n > 0 ? esmm(data.valid) : undefined);
  } else {
    model = new CtrModel(config);
    task = new CtrTask(model, loss, columns(data.train), data.valid && data.valid.n > 0 ? columns(data.valid) : undefined);
  }
  const state = ModelState.initialised(model, new Rng(options.seed).fork('model'), cfg.training.embeddingInitStd);
  const t = cfg.training;
  const result = await train(task, state, {
    epochs: t.epochs, batchSize: t.batchSize, seed: options.seed, patience: t.patience, optimizer: optimizerSettings(t),
    selectBy: options.kind === 'esmm' ? 'loss' : t.selectBy, onEpoch: options.onEpoch,
  });
  const filledRows: Record<string, number> = {};
  for (const id of map.ids) {
    const f = cfg.features.categorical.indexOf(id.name);
    if (f < 0 || !id.coldToOov) continue;
    const table = state.table(`emb.${id.name}`);
    filledRows[id.name] = fillUntrainedRows(table, data.train.categorical[f], idEncodingOf(map, id.name)!.spec.oovIndex);
  }
  return { kind: options.kind, model, state, result, filledRows };
}

/**
 * The exported inference graph of a trained ranking model (what the run's .onnx file holds), with the FeatureMap
 * hash and its inputs' names in its metadata; `profileCategories` when its numericals end with the category profile.
 */
export function rankingGraphBytes(trained: TrainedRanking, featureMapHash: string, features: { categorical: readonly string[]; numerical: readonly string[] }, profileCategories: readonly string[] | null): Uint8Array {
  const graph = trained.kind === 'esmm' ? esmmInferenceGraph(trained.model as EsmmModel, trained.state) : ctrInferenceGraph(trained.model as CtrModel, trained.state);
  graph.setMetadata('adrank.feature_map_hash', featureMapHash);
  graph.setMetadata('adrank.categorical', JSON.stringify(features.categorical));
  graph.setMetadata('adrank.numerical', JSON.stringify(features.numerical));
  if (profileCategories) graph.setMetadata('adrank.category_profile', JSON.stringify(profileCategories));
  return graph.serialize();
}

/**
 * A ranking model's rows [from, to) of an encoded table: its features, with the category profile appended when it
 * reads one (`profiles`: (N, 2C) aligned with the table's rows).
 */
export function modelRows(model: RankingModelConfig, table: EncodedTable, profiles: Float32Array | null, categories: number, from = 0, to = table.n): EncodedFeatures {
  const rows = sliceRows(selectColumns(table, model.features), from, to);
  if (!model.categoryProfile) return rows;
  const width = 2 * categories;
  if (!profiles) throw new Error('assertion failed: the model reads category profiles, none given');
  return withExtraNumericals(rows, profiles.subarray(from * width, to * width), width);
}

/** Rows with a (N, W) block appended to their numericals (the category profile), as a new view. */
export function withExtraNumericals(rows: EncodedFeatures, extra: Float32Array, width: number): EncodedFeatures {
  if (width === 0) return rows;
  const M = rows.n > 0 ? rows.numerical.length / rows.n : 0;
  const numerical = new Float32Array(rows.n * (M + width));
  for (let i = 0; i < rows.n; i++) {
    numerical.set(rows.numerical.subarray(i * M, (i + 1) * M), i * (M + width));
    numerical.set(extra.subarray(i * width, (i + 1) * width), i * (M + width) + M);
  }
  return { ...rows, numerical };
}

/** Logits (N) of a ranking model over rows: the CTR logit of a DLRM, or the CVR head's logit of ESMM. */
export async function rankingLogits(modelBytes: Uint8Array, kind: 'dlrm' | 'esmm', rows: EncodedFeatures): Promise<Float32Array> {
  if (rows.n === 0) return new Float32Array(0);
  const output = kind === 'esmm' ? 'cvr_logit' : 'logit';
  return (await scoreRows(modelBytes, rows, [output]))[output];
}
