// Typed columns of CTR/CVR training data and the copy of one batch of them into a step's inputs.
// Legend: N rows of data, F fields, M numerical features, B batch.
import { AdrankError } from '../core/errors.js';
import type { CtrModelConfig, FieldSpec } from '../models/ctr-model.js';
import type { TrainStep } from './train-step.js';

export interface CtrColumns {
  /** one id column per field, in the model's field order, each (N) */
  categorical: readonly Int32Array[];
  /** (N,M) row-major */
  numerical: Float32Array;
  /** (N) in {0,1} */
  labels: Float32Array;
}

/** Check id columns against their fields: one column per field, `rows` long, ids inside the field's table. */
export function checkIdColumns(categorical: readonly Int32Array[], fields: readonly FieldSpec[], rows: number, what: string): void {
  if (categorical.length !== fields.length) {
    throw badRows(what, 'categorical', `${categorical.length} id columns for ${fields.length} fields`);
  }
  fields.forEach((field, f) => {
    const column = categorical[f];
    if (column.length !== rows) throw badRows(what, field.name, `length ${column.length}, expected ${rows}`);
    for (let i = 0; i < rows; i++) {
      if (!(column[i] >= 0 && column[i] < field.cardinality)) {
        throw new AdrankError('OUT_OF_RANGE', `${what}: id ${column[i]} outside 0..${field.cardinality - 1}`, {
          location: { column: field.name, row: i + 1, value: String(column[i]) },
          hint: 'encode ids with the FeatureMap the model was configured from (unknown values go to the OOV row)',
        });
      }
    }
  });
}

function badRows(what: string, column: string, message: string): AdrankError {
  return new AdrankError('BAD_ROWS', `${what}: ${message}`, { location: { column }, hint: 'columns must follow the model config' });
}

/** Check the columns against the model's config; returns N. Bad input is an AdrankError naming the column. */
export function checkCtrColumns(columns: CtrColumns, config: CtrModelConfig, what = 'data'): number {
  const n = columns.labels.length;
  checkIdColumns(columns.categorical, config.fields, n, what);
  if (columns.numerical.length !== n * config.numNumerical) {
    throw badRows(what, 'numerical', `length ${columns.numerical.length}, expected ${n}×${config.numNumerical}`);
  }
  return n;
}

/** The id columns interleaved row-major (N,F): a shuffled batch then reads one cache line per row, not F. */
export function rowMajorIds(categorical: readonly Int32Array[]): Int32Array {
  const fields = categorical.length;
  const n = categorical[0].length;
  const ids = new Int32Array(n * fields);
  for (let f = 0; f < fields; f++) {
    const column = categorical[f];
    for (let i = 0; i < n; i++) ids[i * fields + f] = column[i];
  }
  return ids;
}

/**
 * Copy rows into the step's inputs: ids (N,F) → bag ids (B,F), numerical (N,M) → (B,M), and each label column
 * into the input of the same name. Rows are order[start + b], or start + b in order when `order` is null.
 */
export function fillRows(
  step: TrainStep,
  ids: Int32Array,
  numerical: Float32Array,
  labels: Readonly<Record<string, Float32Array>>,
  order: Int32Array | null,
  start: number,
  batch: number,
): void {
  const bagIds = step.bags[0].ids;
  const fields = step.bags[0].tables.length;
  const numericalInput = step.input('numerical');
  const width = numericalInput.length / step.runner.maxBatch;
  for (let b = 0; b < batch; b++) {
    const row = order === null ? start + b : order[start + b];
    for (let f = 0; f < fields; f++) bagIds[b * fields + f] = ids[row * fields + f];
    for (let m = 0; m < width; m++) numericalInput[b * width + m] = numerical[row * width + m];
  }
  for (const [name, column] of Object.entries(labels)) {
    const input = step.input(name);
    for (let b = 0; b < batch; b++) input[b] = column[order === null ? start + b : order[start + b]];
  }
}
