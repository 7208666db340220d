// The ranking models of a run: the CTR model (the seed's DLRM on its configured features) and the CVR model (the
// same architecture on clicked rows, or ESMM over all impressions). Each trains with early stopping on the
// validation split and ends on its best epoch's weights; id rows that training never touched take the OOV row.
// Legend: N rows, F fields, M numerical features.
import { Rng } from '../../core/rng.js';
import { SEED_ADAM } from '../../engine/optim/adam.js';
import { SEED_LAZY_ADAM } from '../../engine/optim/sparse.js';
import type { EncodedFeatures } from '../../features/encoder.js';
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

export function modelConfig(cfg: RankingModelConfig, map: FeatureMap): CtrModelConfig {
  return {
    fields: fieldCardinalities(map, cfg.features.categorical),
    embeddingDim: cfg.embeddingDim,
    projectionDim: cfg.projectionDim,
    numNumerical: cfg.features.numerical.length,
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
  options: { kind: 'dlrm' | 'esmm'; label: 'clicked' | 'converted'; seed: number; onEpoch?: (r: EpochReport) => void },
): Promise<TrainedRanking> {
  const config = modelConfig(cfg, map);
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

/** The exported inference graph of a trained ranking model (what the run's .onnx file holds). */
export function rankingGraphBytes(trained: TrainedRanking, featureMapHash: string, features: { categorical: readonly string[]; numerical: readonly string[] }): Uint8Array {
  const graph = trained.kind === 'esmm' ? esmmInferenceGraph(trained.model as EsmmModel, trained.state) : ctrInferenceGraph(trained.model as CtrModel, trained.state);
  graph.setMetadata('adrank.feature_map_hash', featureMapHash);
  graph.setMetadata('adrank.categorical', JSON.stringify(features.categorical));
  graph.setMetadata('adrank.numerical', JSON.stringify(features.numerical));
  return graph.serialize();
}

/** Logits (N) of a ranking model over rows: the CTR logit of a DLRM, or the CVR head's logit of ESMM. */
export async function rankingLogits(modelBytes: Uint8Array, kind: 'dlrm' | 'esmm', rows: EncodedFeatures): Promise<Float32Array> {
  if (rows.n === 0) return new Float32Array(0);
  const output = kind === 'esmm' ? 'cvr_logit' : 'logit';
  return (await scoreRows(modelBytes, rows, [output]))[output];
}
