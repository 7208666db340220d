// A training graph ready to compile: the serialised model and the description of every input and output the
// step loop binds (dense parameters and their gradients, dropout masks, embedding bags, data).
// Legend: B batch, S rows of a bag (B × rows per sample), F fields of a bag, D embedding dim, R arena rows.
import type { FloatDtype } from '../engine/dtype.js';
import { arenaLayout, gatherArenaRows } from '../engine/embedding/lookup.js';
import type { EmbeddingSpec } from '../engine/embedding/table.js';
import { PARAMS_GRAD, PARAMS_INPUT, type LayerContext, type MaskInput } from '../engine/layers/context.js';
import type { IoSpec } from '../engine/onnx/runner.js';
import { paramOffsets, type ParamSpec } from '../engine/params.js';

/**
 * A bag of embedding tables: the graph gathers rows of the arena input `arena` (R,D) at `ids` (S,F) — arena
 * rows, i.e. each field's id plus the field's row offset — and returns the gradient of the gathered rows in
 * `grad` (S·F,D); the step sums it into arena rows.
 */
export interface EmbeddingBagSpec {
  ids: string;
  arena: string;
  grad: string;
  tables: readonly EmbeddingSpec[];
  rowsPerSample: number;
}

export interface TrainGraph {
  model: Uint8Array;
  dtype: FloatDtype;
  inputs: readonly IoSpec[];
  outputs: readonly IoSpec[];
  params: readonly ParamSpec[];
  masks: readonly MaskInput[];
  bags: readonly EmbeddingBagSpec[];
}

/** A bag named `name` with inputs `<name>.ids`, `<name>.rows` and gradient output `grad.<name>`. */
export function bagSpec(name: string, tables: readonly EmbeddingSpec[], rowsPerSample = 1): EmbeddingBagSpec {
  return { ids: `${name}.ids`, arena: `${name}.rows`, grad: `grad.${name}`, tables, rowsPerSample };
}

function rowsDim(bag: EmbeddingBagSpec): string {
  return bag.rowsPerSample === 1 ? 'B' : `B*${bag.rowsPerSample}`;
}

/** Declare a bag's inputs and gather its rows: → (S,F·D). */
export function bagInput(ctx: LayerContext, bag: EmbeddingBagSpec): string {
  const { g } = ctx;
  const ids = g.input(bag.ids, 'int32', [rowsDim(bag), bag.tables.length]);
  const arena = g.input(bag.arena, ctx.float, [arenaLayout(bag.tables).rows, bag.tables[0].dim]);
  return gatherArenaRows(g, arena, ids, bag.tables.length, bag.tables[0].dim);
}

/**
 * Finish a training graph: name the loss, expose parameter and bag gradients as outputs, and describe every
 * input and output. A bag's gradient comes as gathered rows (S·F,D). `data` lists the per-sample data inputs
 * and extra outputs (e.g. logits) already declared.
 */
export function finishTrainGraph(
  ctx: LayerContext,
  loss: string,
  bags: readonly { spec: EmbeddingBagSpec; grad: string }[],
  data: { inputs: readonly IoSpec[]; outputs: readonly IoSpec[] },
): TrainGraph {
  const { g } = ctx;
  const float = ctx.float;
  g.output(g.rename(loss, 'loss'), float, []);
  ctx.outputGrads();
  const inputs: IoSpec[] = [];
  const outputs: IoSpec[] = [{ name: 'loss', dtype: float, batchRows: 0, inner: [] }];
  for (const { spec, grad } of bags) {
    const fields = spec.tables.length;
    const dim = spec.tables[0].dim;
    g.output(g.rename(grad, spec.grad), float, [`${rowsDim(spec)}*${fields}`, dim]);
    const arenaShape = [arenaLayout(spec.tables).rows, dim];
    inputs.push({ name: spec.ids, dtype: 'int32', batchRows: spec.rowsPerSample, inner: [fields] });
    inputs.push({ name: spec.arena, dtype: float, batchRows: 0, inner: arenaShape, bound: true });
    outputs.push({ name: spec.grad, dtype: float, batchRows: spec.rowsPerSample * fields, inner: [dim] });
  }
  inputs.push(...data.inputs);
  outputs.push(...data.outputs);
  for (const mask of ctx.masks) inputs.push({ name: mask.name, dtype: float, batchRows: 1, inner: [mask.width] });
  const total = paramOffsets(ctx.params()).total;
  inputs.push({ name: PARAMS_INPUT, dtype: float, batchRows: 0, inner: [total], bound: true });
  outputs.push({ name: PARAMS_GRAD, dtype: float, batchRows: 0, inner: [total] });
  return {
    model: g.serialize(),
    dtype: float,
    inputs,
    outputs,
    params: ctx.params(),
    masks: ctx.masks,
    bags: bags.map((b) => b.spec),
  };
}
