// Training task for ESMM over all impressions: clicks and conversions as labels, validation by the ESMM loss
// (click log loss + click∧convert log loss on pCTR·pCVR). Legend: N rows, F fields, B batch.
import type { Rng } from '../core/rng.js';
import type { EsmmModel } from '../models/esmm-model.js';
import { AdrankError } from '../core/errors.js';
import { checkCtrColumns, RowStore, type CtrColumns } from './columns.js';
import { esmmTrainGraph } from './esmm-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask, ValidationScores } from './trainer.js';

/** CTR columns (labels = clicked) plus the conversion label of every impression. */
export interface EsmmColumns extends CtrColumns {
  /** (N) in {0,1}; a conversion without a click counts as none */
  converted: Float32Array;
}

interface Rows {
  store: RowStore;
  rows: number;
}

export class EsmmTask implements TrainingTask {
  readonly graph: TrainGraph;
  private readonly train: Rows;
  private readonly valid: Rows | null;

  constructor(model: EsmmModel, train: EsmmColumns, valid?: EsmmColumns) {
    this.graph = esmmTrainGraph(model);
    const prepare = (columns: EsmmColumns, what: string): Rows => {
      const rows = checkCtrColumns(columns, model.config, what);
      if (columns.converted.length !== rows) {
        throw new AdrankError('BAD_ROWS', `${what}: converted has ${columns.converted.length} rows, labels ${rows}`, { location: { column: 'converted' }, hint: 'one conversion label per impression' });
      }
      return { store: RowStore.pack(columns.categorical, columns.numerical, { click: columns.labels, convert: columns.converted }), rows };
    };
    this.train = prepare(train, 'training data');
    this.valid = valid === undefined ? null : prepare(valid, 'validation data');
  }

  get trainRows(): number {
    return this.train.rows;
  }

  get validRows(): number {
    return this.valid?.rows ?? 0;
  }

  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, _rng: Rng): void {
    this.train.store.fill(step, order, start, batch);
  }

  async validate(step: TrainStep, batchSize: number): Promise<ValidationScores> {
    const valid = this.valid;
    if (valid === null) return { loss: NaN };
    let sum = 0;
    for (let start = 0; start < valid.rows; start += batchSize) {
      const batch = Math.min(batchSize, valid.rows - start);
      valid.store.fill(step, null, start, batch);
      sum += (await step.evaluate(batch)) * batch;
    }
    return { loss: sum / valid.rows };
  }
}
