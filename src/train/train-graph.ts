// A training graph ready to compile: the serialised model and the description of every input and output the
// step loop binds (dense parameters and their gradients, dropout masks, embedding bags, data).
// Legend: B batch, F fields of a bag, D embedding dim.
import type { FloatDtype } from '../engine/dtype.js';
import type { EmbeddingSpec } from '../engine/embedding/table.js';
import { gradName, type LayerContext, type MaskInput } from '../engine/layers/context.js';
import type { IoSpec } from '../engine/onnx/runner.js';
import type { ParamSpec } from '../engine/params.js';

/** Embedding rows gathered into input `input` (B·rowsPerSample, F·D); the graph returns their gradient in `grad`. */
export interface EmbeddingBagSpec {
  input: string;
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

/** Declare a bag's input on the graph: (B·rowsPerSample, F·D). */
export function bagInput(ctx: LayerContext, name: string, tables: readonly EmbeddingSpec[], rowsPerSample: number): string {
  const width = tables.length * tables[0].dim;
  return ctx.g.input(name, ctx.float, [rowsPerSample === 1 ? 'B' : `B*${rowsPerSample}`, width]);
}

/**
 * Finish a training graph: name the loss, expose parameter and bag gradients as outputs, and describe every
 * input and output. `data` lists the per-sample data inputs and extra outputs (e.g. logits) already declared.
 */
export function finishTrainGraph(
  ctx: LayerContext,
  loss: string,
  bags: readonly { spec: EmbeddingBagSpec; grad: string }[],
  data: { inputs: readonly IoSpec[]; outputs: readonly IoSpec[] },
): TrainGraph {
  const { g } = ctx;
  const float = ctx.float;
  g.output(g.op('Identity', [loss], {}, 'loss'), float, []);
  ctx.outputGrads();
  const inputs: IoSpec[] = [];
  const outputs: IoSpec[] = [{ name: 'loss', dtype: float, batchRows: 0, inner: [] }];
  for (const { spec, grad } of bags) {
    const width = spec.tables.length * spec.tables[0].dim;
    const rowsDim = spec.rowsPerSample === 1 ? 'B' : `B*${spec.rowsPerSample}`;
    g.output(g.op('Identity', [grad], {}, spec.grad), float, [rowsDim, width]);
    inputs.push({ name: spec.input, dtype: float, batchRows: spec.rowsPerSample, inner: [width] });
    outputs.push({ name: spec.grad, dtype: float, batchRows: spec.rowsPerSample, inner: [width] });
  }
  inputs.push(...data.inputs);
  outputs.push(...data.outputs);
  for (const mask of ctx.masks) inputs.push({ name: mask.name, dtype: float, batchRows: 1, inner: [mask.width] });
  for (const param of ctx.params()) {
    inputs.push({ name: param.name, dtype: float, batchRows: 0, inner: param.shape });
    outputs.push({ name: gradName(param.name), dtype: float, batchRows: 0, inner: param.shape });
  }
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
