// Typed columns of training data, their checks, and the packed row records every task copies batches from.
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
 * Training rows packed as fixed-width records — F ids, M numericals, then one value per label — in one buffer
 * read through an Int32 and a Float32 view. A shuffled batch then reads one or two cache lines per row
 * instead of one per column (random reads of big columns dominated the batch copy).
 */
export class RowStore {
  readonly width: number;
  private readonly ints: Int32Array;
  private readonly floats: Float32Array;

  constructor(
    readonly rows: number,
    readonly fields: number,
    readonly numerical: number,
    readonly labelNames: readonly string[],
  ) {
    this.width = fields + numerical + labelNames.length;
    const buffer = new ArrayBuffer(rows * this.width * 4);
    this.ints = new Int32Array(buffer);
    this.floats = new Float32Array(buffer);
  }

  /** Pack id columns (N each), numericals (N,M) and label columns (N each) by name. */
  static pack(categorical: readonly Int32Array[], numerical: Float32Array, labels: Readonly<Record<string, Float32Array>>): RowStore {
    const rows = categorical[0].length;
    const names = Object.keys(labels);
    const store = new RowStore(rows, categorical.length, numerical.length / rows, names);
    const { width, fields, ints, floats } = store;
    categorical.forEach((column, f) => {
      for (let i = 0; i < rows; i++) ints[i * width + f] = column[i];
    });
    for (let i = 0; i < rows; i++) {
      for (let m = 0; m < store.numerical; m++) floats[i * width + fields + m] = numerical[i * store.numerical + m];
      names.forEach((name, k) => (floats[i * width + fields + store.numerical + k] = labels[name][i]));
    }
    return store;
  }

  /**
   * Copy rows order[start + b] (or start + b when `order` is null) into the step: ids → arena rows (B,F) of
   * bag `target.bag`, numericals → input `target.numerical` (B,M), each label → the input of its name (B); rows
   * land from destination row `target.at` (default 0) on.
   */
  fill(step: TrainStep, order: Int32Array | null, start: number, batch: number, target: { bag: number; numerical: string; at?: number } = { bag: 0, numerical: 'numerical' }): void {
    const { ids, offsets } = step.bags[target.bag];
    const { width, fields, numerical: m, ints, floats } = this;
    const numericalInput = step.buffer(target.numerical);
    const labelInputs = this.labelNames.map((name) => step.buffer(name));
    const labelCount = labelInputs.length;
    const at = target.at ?? 0;
    for (let b = 0; b < batch; b++) {
      const base = (order === null ? start + b : order[start + b]) * width;
      const row = at + b;
      for (let f = 0; f < fields; f++) ids[row * fields + f] = offsets[f] + ints[base + f];
      for (let k = 0; k < m; k++) numericalInput[row * m + k] = floats[base + fields + k];
      for (let k = 0; k < labelCount; k++) labelInputs[k][row] = floats[base + fields + m + k];
    }
  }
}
