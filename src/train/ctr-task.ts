// Training task for a CTR or CVR model (the seed's DLRM-style architecture) on typed columns: the loss is the
// caller's choice (the seed's focal loss, or BCE); validation is always log loss, so runs with different
// losses compare. A CVR model is the same task on clicked rows with `converted` as the label.
// Legend: N rows, F fields, B batch.
import type { Rng } from '../core/rng.js';
import type { CtrModel } from '../models/ctr-model.js';
import { checkCtrColumns, RowStore, type CtrColumns } from './columns.js';
import { ctrTrainGraph, type CtrLoss } from './ctr-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask } from './trainer.js';

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

  async validationLossSum(step: TrainStep, start: number, batch: number): Promise<number> {
    if (this.valid === null) return 0;
    this.valid.store.fill(step, null, start, batch);
    await step.evaluate(batch);
    return logLossSum(step.buffer('logit'), this.valid.labels, batch, start);
  }
}
