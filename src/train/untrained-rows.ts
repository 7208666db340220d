// Rows of an id table that training never touched keep their random start; after training they take the OOV
// row's values instead, so an id that earned a row without ever being trained (its only rows were cold, or fell
// in the validation split) scores like an unknown id rather than at random.
// Legend: N training rows, R table rows, D dim.
import type { EmbeddingTable } from '../engine/embedding/table.js';

/** Copies row `oovRow` into every row of `table` that no training row (`trainedIds`, N) refers to; returns how many. */
export function fillUntrainedRows(table: EmbeddingTable, trainedIds: Int32Array, oovRow: number): number {
  const touched = new Uint8Array(table.rows);
  for (let i = 0; i < trainedIds.length; i++) touched[trainedIds[i]] = 1;
  const dim = table.dim;
  const source = table.data.slice(oovRow * dim, (oovRow + 1) * dim);
  let filled = 0;
  for (let r = 0; r < table.rows; r++) {
    if (touched[r] || r === oovRow) continue;
    table.data.set(source, r * dim);
    filled++;
  }
  return filled;
}
