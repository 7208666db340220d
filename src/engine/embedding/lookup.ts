// Embedding lookup inside a graph: the tables of a bag lie back to back in one (R,D) array (an "arena"), so
// one Gather of arena rows (a field's id plus the field's row offset) fetches every field of every sample.
// While training the arena is a graph input bound to the TypeScript tables in place (no copy per step) and
// the step writes arena rows directly; an exported model keeps the arena as an initializer and adds the
// offsets to the per-field ids it receives.
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

/** arena (R,D), arena rows (S,F) → embeddings (S,F·D), field-major within a row. */
export function gatherArenaRows(g: GraphBuilder, arena: string, rows: string, fields: number, dim: number): string {
  const gathered = g.op('Gather', [arena, rows], { axis: 0 }); // (S,F,D)
  return g.op('Reshape', [gathered, g.ints([-1, fields * dim])]); // (S,F·D)
}

/** arena (R,D), per-field ids (S,F) of int32 or int64 → embeddings (S,F·D). */
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
  const rows = g.op('Add', [ids, g.ints(offsets, idType)]); // (S,F)
  return gatherArenaRows(g, arena, rows, tables.length, dim);
}
