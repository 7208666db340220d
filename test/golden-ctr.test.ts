// The CTR training graph against PyTorch 1.13 (../shared/golden/ctr_model.json): logits, probabilities, focal
// and BCE losses, and the gradient of every parameter, embedding tables included (per-sample embedding
// gradients summed into rows). Run in float32 (the production path) and float64.
import { afterAll, describe, expect, test } from 'vitest';
import { toFloat, type FloatDtype } from '../src/engine/dtype.js';
import { arenaLayout } from '../src/engine/embedding/lookup.js';
import { Runner } from '../src/engine/onnx/runner.js';
import { paramOffsets, sizeOf } from '../src/engine/params.js';
import { compareArrays, summarise } from '../src/engine/testing/compare.js';
import { flat, loadGolden, type Nested } from '../src/engine/testing/golden.js';
import { CtrModel, SEED_CTR_CONFIG } from '../src/models/ctr-model.js';
import { ctrTrainGraph, type CtrLoss } from '../src/train/ctr-graph.js';

interface CtrGolden {
  embedding_order: string[];
  cardinalities: Record<string, number>;
  params: Record<string, Nested>;
  inputs: { ids: number[][]; numerical: number[][]; label: number[] };
  outputs: { logit: number[]; prob: number[]; focal_loss: number; bce_loss: number };
  grads_focal: Record<string, Nested>;
  grads_bce: Record<string, Nested>;
}

const golden = loadGolden<CtrGolden>('ctr_model.json');
const FORWARD = { rel: 1e-5, abs: 1e-7 };
const GRAD = { rel: 1e-4, abs: 1e-6 };
const worst: string[] = [];

interface RunResult {
  logit: number[];
  loss: number;
  grads: Map<string, number[]>;
}

async function runGolden(loss: CtrLoss, dtype: FloatDtype): Promise<RunResult> {
  const model = new CtrModel(SEED_CTR_CONFIG);
  const graph = ctrTrainGraph(model, loss, dtype);
  const batch = golden.inputs.label.length;
  const runner = await Runner.create(graph.model, graph.inputs, graph.outputs, batch);
  const { embeddingDim: dim } = model.config;
  const fields = model.numFields;
  const arena = golden.embedding_order.flatMap((field) => flat(golden.params[`emb.${field}.weight`]));
  runner.bind('emb.rows', toFloat(dtype, arena));
  const rowOffsets = arenaLayout(model.embeddings()).offsets;
  (runner.buffer('emb.ids') as Int32Array).set(golden.inputs.ids.flatMap((row) => row.map((id, f) => rowOffsets[f] + id)));
  runner.floats('numerical').set(flat(golden.inputs.numerical));
  runner.floats('label').set(golden.inputs.label);
  for (const mask of graph.masks) runner.floats(mask.name).fill(1); // eval mode: dropout off
  runner.bind('params', toFloat(dtype, graph.params.flatMap((param) => flat(golden.params[param.name]))));
  await runner.run(batch);

  const grads = new Map<string, number[]>();
  const { offsets } = paramOffsets(graph.params);
  const flatGrad = runner.floats('grad.params');
  for (const param of graph.params) {
    const at = offsets.get(param.name) ?? 0;
    grads.set(param.name, Array.from(flatGrad.subarray(at, at + sizeOf(param.shape))));
  }
  const dEmb = runner.floats('grad.emb');
  model.embeddings().forEach((table, f) => {
    const summed = new Array<number>(table.rows * dim).fill(0);
    golden.inputs.ids.forEach((row, s) => {
      for (let d = 0; d < dim; d++) summed[row[f] * dim + d] += dEmb[(s * fields + f) * dim + d];
    });
    grads.set(`${table.name}.weight`, summed);
  });
  const result = {
    logit: Array.from(runner.floats('logit')),
    loss: runner.floats('loss')[0],
    grads,
  };
  await runner.release();
  return result;
}

describe.each(['float32', 'float64'] as const)('CTR model vs PyTorch golden (%s)', (dtype) => {
  test('the golden file describes the seed architecture', () => {
    expect(golden.embedding_order).toEqual(SEED_CTR_CONFIG.fields.map((f) => f.name));
    for (const field of SEED_CTR_CONFIG.fields) expect(golden.cardinalities[field.name]).toBe(field.cardinality);
  });

  test.each([
    ['focal', { kind: 'focal', alpha: 0.25, gamma: 2 } as CtrLoss, 'focal_loss', 'grads_focal'],
    ['bce', { kind: 'bce' } as CtrLoss, 'bce_loss', 'grads_bce'],
  ] as const)('%s: forward, loss and every gradient', async (name, loss, lossKey, gradKey) => {
    const result = await runGolden(loss, dtype);
    const checks = [
      compareArrays(result.logit, golden.outputs.logit, FORWARD, 'logit'),
      compareArrays(result.logit.map((x) => 1 / (1 + Math.exp(-x))), golden.outputs.prob, FORWARD, 'prob'),
      compareArrays([result.loss], [golden.outputs[lossKey]], FORWARD, lossKey),
    ];
    const expectedGrads = golden[gradKey];
    expect(new Set(result.grads.keys())).toEqual(new Set(Object.keys(expectedGrads)));
    for (const [param, grad] of result.grads) checks.push(compareArrays(grad, flat(expectedGrads[param]), GRAD, `d${param}`));
    const failed = checks.filter((c) => !c.ok).map((c) => c.message);
    expect(failed).toEqual([]);
    worst.push(`ctr ${dtype} ${name}: ${summarise(checks.slice(0, 3))} (forward, loss); ${summarise(checks.slice(3))} (gradients)`);
  });
});

afterAll(() => {
  if (process.env.ADRANK_REPORT_GOLDEN) process.stderr.write(`${worst.join('\n')}\n`);
});
