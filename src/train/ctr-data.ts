// Typed columns of CTR/CVR training data and the copy of one batch of them into a step's inputs.
// Legend: N rows of data, F fields, M numerical features, B batch.
import { AdrankError } from '../core/errors.js';
import type { CtrModelConfig } from '../models/ctr-model.js';
import type { TrainStep } from './train-step.js';

export interface CtrColumns {
  /** one id column per field, in the model's field order, each (N) */
  categorical: readonly Int32Array[];
  /** (N,M) row-major */
  numerical: Float32Array;
  /** (N) in {0,1} */
  labels: Float32Array;
}

/** Check the columns against the model's config; returns N. Bad input is an AdrankError naming the column. */
export function checkCtrColumns(columns: CtrColumns, config: CtrModelConfig, what = 'data'): number {
  const n = columns.labels.length;
  const bad = (column: string, message: string): AdrankError =>
    new AdrankError('BAD_ROWS', `${what}: ${message}`, { location: { column }, hint: 'columns must follow the model config' });
  if (columns.categorical.length !== config.fields.length) {
    throw bad('categorical', `${columns.categorical.length} id columns for ${config.fields.length} fields`);
  }
  config.fields.forEach((field, f) => {
    const column = columns.categorical[f];
    if (column.length !== n) throw bad(field.name, `length ${column.length}, labels have ${n}`);
    for (let i = 0; i < n; i++) {
      if (!(column[i] >= 0 && column[i] < field.cardinality)) {
        throw new AdrankError('OUT_OF_RANGE', `${what}: id ${column[i]} outside 0..${field.cardinality - 1}`, {
          location: { column: field.name, row: i + 1, value: String(column[i]) },
          hint: 'encode ids with the FeatureMap the model was configured from (unknown values go to the OOV row)',
        });
      }
    }
  });
  if (columns.numerical.length !== n * config.numNumerical) throw bad('numerical', `length ${columns.numerical.length}, expected ${n}×${config.numNumerical}`);
  return n;
}

/** Copy rows order[start..start+batch) into the step: bag ids (B,F), numerical (B,M), label (B). */
export function fillCtrBatch(step: TrainStep, columns: CtrColumns, order: Int32Array, start: number, batch: number, labelInput = 'label'): void {
  const ids = step.bags[0].ids;
  const fields = columns.categorical.length;
  for (let f = 0; f < fields; f++) {
    const column = columns.categorical[f];
    for (let b = 0; b < batch; b++) ids[b * fields + f] = column[order[start + b]];
  }
  const numerical = step.input('numerical');
  const labels = step.input(labelInput);
  const width = columns.numerical.length / columns.labels.length;
  for (let b = 0; b < batch; b++) {
    const row = order[start + b];
    for (let m = 0; m < width; m++) numerical[b * width + m] = columns.numerical[row * width + m];
    labels[b] = columns.labels[row];
  }
}
