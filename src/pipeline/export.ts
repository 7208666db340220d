// Self-contained inference graphs: dense weights and embedding tables become initializers, so a trained
// model is one .onnx file that any ONNX Runtime (or Triton, Vespa) serves. Inputs are int64 ids (B,F) and
// float32 numericals (B,N); the CTR graph outputs `logit` and `prob`, a tower outputs its `vector`.
// Legend: B batch, F fields, D embedding dim, N numerical features.
import { writeFileAtomic } from '../core/atomic-write.js';
import { arenaOf, type EmbeddingTable } from '../engine/embedding/table.js';
import { lookupRows } from '../engine/embedding/lookup.js';
import { LayerContext } from '../engine/layers/context.js';
import { GraphBuilder } from '../engine/onnx/graph-builder.js';
import type { ModelState } from '../train/model-state.js';
import type { CtrModel } from '../models/ctr-model.js';
import type { EsmmModel } from '../models/esmm-model.js';
import type { TowerModel } from '../models/two-tower.js';

/**
 * ids (B,F) int64 → embeddings (B,F·D) with the bag's arena as an initializer. Ids are clamped into their own
 * table first, so a bad id can never read another field's rows; encoders map unknown values to an OOV row
 * before they get here.
 */
function embeddingInput(g: GraphBuilder, tables: readonly EmbeddingTable[]): string {
  const ids = g.input('ids', 'int64', ['B', tables.length]);
  const arena = arenaOf(tables);
  const rows = g.initializer('embedding_rows', 'float32', [arena.length / tables[0].dim, tables[0].dim], arena);
  const lastRow = tables.map((t) => t.rows - 1);
  const clamped = g.op('Max', [g.op('Min', [ids, g.ints(lastRow)]), g.ints([0])]); // (B,F)
  return lookupRows(g, rows, clamped, 'int64', tables.map((t) => t.spec));
}

function inferenceContext(name: string, state: ModelState): LayerContext {
  return new LayerContext(new GraphBuilder(name, 'float32'), { kind: 'infer', values: state.params });
}

/** CTR/CVR model: ids (B,F) int64, numerical (B,N) → logit (B), prob (B). Dropout is off. */
export function ctrInferenceGraph(model: CtrModel, state: ModelState): GraphBuilder {
  const ctx = inferenceContext('ctr', state);
  const { g } = ctx;
  const emb = embeddingInput(g, model.embeddings().map((spec) => state.table(spec.name)));
  const numerical = g.input('numerical', 'float32', ['B', model.config.numNumerical]);
  const { logit } = model.forward(ctx, emb, numerical);
  g.output(g.rename(logit, 'logit'), 'float32', ['B']);
  g.output(g.op('Sigmoid', ['logit'], {}, 'prob'), 'float32', ['B']);
  return g;
}

/** ESMM: ids, numerical → ctr_logit, cvr_logit, p_ctr, p_cvr, p_ctcvr = p_ctr·p_cvr (all (B)). */
export function esmmInferenceGraph(model: EsmmModel, state: ModelState): GraphBuilder {
  const ctx = inferenceContext('esmm', state);
  const { g } = ctx;
  const emb = embeddingInput(g, model.embeddings().map((spec) => state.table(spec.name)));
  const numerical = g.input('numerical', 'float32', ['B', model.config.numNumerical]);
  const ctrLogit = g.rename(model.ctr.forward(ctx, emb, numerical).logit, 'ctr_logit');
  const cvrLogit = g.rename(model.cvr.forward(ctx, emb, numerical).logit, 'cvr_logit');
  const pCtr = g.op('Sigmoid', [ctrLogit], {}, 'p_ctr');
  const pCvr = g.op('Sigmoid', [cvrLogit], {}, 'p_cvr');
  g.op('Mul', [pCtr, pCvr], {}, 'p_ctcvr');
  for (const name of ['ctr_logit', 'cvr_logit', 'p_ctr', 'p_cvr', 'p_ctcvr']) g.output(name, 'float32', ['B']);
  return g;
}

/**
 * One tower of the two-tower model: ids (B,F), numerical (B,N) → `vector` (B,O). With `appendOne` the vector gets a
 * last component 1 (B,O+1), which meets each ad's log prior in the index's inner product (stages/retrieval.ts).
 */
export function towerInferenceGraph(tower: TowerModel, state: ModelState, options: { appendOne?: boolean } = {}): GraphBuilder {
  const ctx = inferenceContext(tower.name, state);
  const { g } = ctx;
  const emb = embeddingInput(g, tower.embeddings().map((spec) => state.table(spec.name)));
  const numerical = g.input('numerical', 'float32', ['B', tower.shape.numNumerical]);
  const { y } = tower.tower.forward(ctx, emb, numerical);
  if (!options.appendOne) {
    g.output(g.rename(y, 'vector'), 'float32', ['B', tower.shape.outDim]);
    return g;
  }
  const ones = g.op('Expand', [g.constant([1, 1], [1]), g.op('Concat', [g.op('Shape', [y], { start: 0, end: 1 }), g.ints([1])], { axis: 0 })]); // (B,1)
  g.output(g.op('Concat', [y, ones], { axis: 1 }, 'vector'), 'float32', ['B', tower.shape.outDim + 1]);
  return g;
}

/** Serialise and write atomically (temp file, then rename). */
export async function writeOnnx(path: string, graph: GraphBuilder): Promise<void> {
  await writeFileAtomic(path, graph.serialize());
}
