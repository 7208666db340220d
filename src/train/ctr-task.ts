// Training task for a CTR or CVR model (the seed's DLRM-style architecture) on typed columns: the loss is the
// caller's choice (the seed's focal loss, or BCE); validation is always log loss (so runs with different losses
// compare) and ROC-AUC. A CVR model is the same task on clicked rows with `converted` as the label.
// Legend: N rows, F fields, B batch.
import type { Rng } from '../core/rng.js';
import { rocAuc } from '../eval/metrics.js';
import type { CtrModel } from '../models/ctr-model.js';
import { checkCtrColumns, RowStore, type CtrColumns } from './columns.js';
import { ctrTrainGraph, type CtrLoss } from './ctr-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask, ValidationScores } from './trainer.js';

interface Rows {
  store: RowStore;
  labels: Float32Array;
}

function prepare(model: CtrModel, columns: CtrColumns, what: string): Rows {
  checkCtrColumns(columns, model.config, what);
  return { store: RowStore.pack(columns.categorical, columns.numerical, { label: columns.labels }), labels: columns.labels };
}

/** Summed log loss Σ softplus(z) − y·z of a batch of logits, accumulated in float64. */
export function logLossSum(logits: Float32Array, labels: Float32Array, batch: number, labelOffset = 0): number {
  let sum = 0;
  for (let b = 0; b < batch; b++) {
    const z = logits[b];
    sum += Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - labels[labelOffset + b] * z;
  }
  return sum;
}

export class CtrTask implements TrainingTask {
  readonly graph: TrainGraph;
  private readonly train: Rows;
  private readonly valid: Rows | null;

  constructor(model: CtrModel, loss: CtrLoss, train: CtrColumns, valid?: CtrColumns) {
    this.graph = ctrTrainGraph(model, loss);
    this.train = prepare(model, train, 'training data');
    this.valid = valid === undefined ? null : prepare(model, valid, 'validation data');
  }

  get trainRows(): number {
    return this.train.labels.length;
  }

  get validRows(): number {
    return this.valid?.labels.length ?? 0;
  }

  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, _rng: Rng): void {
    this.train.store.fill(step, order, start, batch);
  }

  async validate(step: TrainStep, batchSize: number): Promise<ValidationScores> {
    const valid = this.valid;
    if (valid === null) return { loss: NaN };
    const logits = await validationLogits(step, valid.store, batchSize, 'logit');
    return { loss: logLossSum(logits, valid.labels, logits.length) / logits.length, auc: rocAuc(logits, valid.labels) };
  }
}

/** The logits (N) of every row of `store`, scored in batches with dropout off. */
export async function validationLogits(step: TrainStep, store: RowStore, batchSize: number, output: string): Promise<Float32Array> {
  const logits = new Float32Array(store.rows);
  for (let start = 0; start < store.rows; start += batchSize) {
    const batch = Math.min(batchSize, store.rows - start);
    store.fill(step, null, start, batch);
    await step.evaluate(batch);
    logits.set(step.buffer(output).subarray(0, batch), start);
  }
  return logits;
}
