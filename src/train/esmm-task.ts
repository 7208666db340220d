// Training task for ESMM over all impressions: clicks and conversions as labels, validation by the ESMM loss
// (click log loss + click∧convert log loss on pCTR·pCVR). Legend: N rows, F fields, B batch.
import type { Rng } from '../core/rng.js';
import type { EsmmModel } from '../models/esmm-model.js';
import { checkCtrColumns, fillRows, rowMajorIds, type CtrColumns } from './ctr-data.js';
import { esmmTrainGraph } from './esmm-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask } from './trainer.js';

/** CTR columns (labels = clicked) plus the conversion label of every impression. */
export interface EsmmColumns extends CtrColumns {
  /** (N) in {0,1}; a conversion without a click counts as none */
  converted: Float32Array;
}

interface Rows {
  ids: Int32Array;
  columns: EsmmColumns;
}

export class EsmmTask implements TrainingTask {
  readonly graph: TrainGraph;
  private readonly train: Rows;
  private readonly valid: Rows | null;

  constructor(model: EsmmModel, train: EsmmColumns, valid?: EsmmColumns) {
    this.graph = esmmTrainGraph(model);
    const prepare = (columns: EsmmColumns, what: string): Rows => {
      checkCtrColumns(columns, model.config, what);
      return { ids: rowMajorIds(columns.categorical), columns };
    };
    this.train = prepare(train, 'training data');
    this.valid = valid === undefined ? null : prepare(valid, 'validation data');
  }

  get trainRows(): number {
    return this.train.columns.labels.length;
  }

  get validRows(): number {
    return this.valid?.columns.labels.length ?? 0;
  }

  private fill(step: TrainStep, rows: Rows, order: Int32Array | null, start: number, batch: number): void {
    const { ids, columns } = rows;
    fillRows(step, ids, columns.numerical, { click: columns.labels, convert: columns.converted }, order, start, batch);
  }

  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, _rng: Rng): void {
    this.fill(step, this.train, order, start, batch);
  }

  async validationLossSum(step: TrainStep, start: number, batch: number): Promise<number> {
    if (this.valid === null) return 0;
    this.fill(step, this.valid, null, start, batch);
    return (await step.evaluate(batch)) * batch;
  }
}
