// The CTR model trained on a feature stage: the FeatureMap sizes the tables, the training rows are encoded
// with it, and the held-out log (when loaded) is scored with the exported model for log loss and ROC-AUC.
import { Rng } from '../core/rng.js';
import type { LoadedData } from '../data/load.js';
import { logLoss, mean, rocAuc } from '../eval/metrics.js';
import { encodeTable, SEED_SELECTION, selectColumns } from '../features/encoder.js';
import { fieldCardinalities } from '../features/feature-map.js';
import type { FeatureStage } from '../features/pipeline.js';
import { CtrModel, SEED_CTR_CONFIG } from '../models/ctr-model.js';
import type { CtrLoss } from './ctr-graph.js';
import { CtrTask } from './ctr-task.js';
import { ModelState } from './model-state.js';
import { predictCtr } from '../pipeline/predict.js';
import { train, type TrainResult, type TrainSettings } from './trainer.js';

export interface HeldOutScore {
  rows: number;
  logLoss: number;
  auc: number;
  meanPrediction: number;
  clickRate: number;
}

export interface CtrRun {
  model: CtrModel;
  state: ModelState;
  result: TrainResult;
  heldOut: HeldOutScore | null;
}

export async function trainCtrOnFeatures(data: LoadedData, stage: FeatureStage, loss: CtrLoss, settings: TrainSettings): Promise<CtrRun> {
  const rows = selectColumns(await encodeTable(data.db, stage.tables.train, stage.featureMap), SEED_SELECTION);
  const model = new CtrModel({ ...SEED_CTR_CONFIG, fields: fieldCardinalities(stage.featureMap) });
  const state = ModelState.initialised(model, new Rng(settings.seed).fork('model'));
  const task = new CtrTask(model, loss, { categorical: rows.categorical, numerical: rows.numerical, labels: rows.clicked });
  const result = await train(task, state, settings);
  let heldOut: HeldOutScore | null = null;
  if (stage.tables.test) {
    const test = selectColumns(await encodeTable(data.db, stage.tables.test, stage.featureMap), SEED_SELECTION);
    const probs = await predictCtr(model, state, test);
    heldOut = { rows: test.n, logLoss: logLoss(probs, test.clicked), auc: rocAuc(probs, test.clicked), meanPrediction: mean(probs), clickRate: mean(test.clicked) };
  }
  return { model, state, result, heldOut };
}
