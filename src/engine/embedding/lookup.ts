// Embedding lookup inside a graph: the tables of a bag lie back to back in one (R,D) array (an "arena"), so
// one Gather on ids shifted by each field's row offset fetches every field of every sample. While training
// the arena is a graph input bound to the TypeScript tables in place (no copy per step); in an exported
// model it is an initializer.
// Legend: S rows of the bag (samples × rows per sample), F fields, D dim, R rows of all the bag's tables.
import { assert } from '../../core/errors.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import type { EmbeddingSpec } from './table.js';

/** Row offset of each table in the arena, and the total row count. */
export function arenaLayout(tables: readonly EmbeddingSpec[]): { offsets: number[]; rows: number } {
  const offsets: number[] = [];
  let rows = 0;
  for (const table of tables) {
    offsets.push(rows);
    rows += table.rows;
  }
  return { offsets, rows };
}

/** arena (R,D), ids (S,F) of int32 or int64 → embeddings (S,F·D), field-major within a row. */
export function lookupRows(
  g: GraphBuilder,
  arena: string,
  ids: string,
  idType: 'int32' | 'int64',
  tables: readonly EmbeddingSpec[],
): string {
  const dim = tables[0].dim;
  assert(tables.every((t) => t.dim === dim), 'the tables of a bag share their dimension');
  const { offsets } = arenaLayout(tables);
  const shifted = g.op('Add', [ids, g.ints(offsets, idType)]); // (S,F)
  const gathered = g.op('Gather', [arena, shifted], { axis: 0 }); // (S,F,D)
  return g.op('Reshape', [gathered, g.ints([-1, tables.length * dim])]); // (S,F·D)
}
