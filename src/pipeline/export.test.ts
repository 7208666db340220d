// Export round trip: each exported .onnx, loaded from disk in a fresh ONNX Runtime session, reproduces the
// training graph's forward outputs (dropout off) to 1e-6.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, test } from 'vitest';
import { Rng } from '../core/rng.js';
import { compareArrays, type Comparison } from '../engine/testing/compare.js';
import { ctrTrainGraph } from '../train/ctr-graph.js';
import { esmmTrainGraph } from '../train/esmm-graph.js';
import { ModelState, type ModelLayout } from '../train/model-state.js';
import { TrainStep } from '../train/train-step.js';
import type { TrainGraph } from '../train/train-graph.js';
import { twoTowerTrainGraph } from '../train/two-tower-graph.js';
import { CtrModel, SEED_CTR_CONFIG } from '../models/ctr-model.js';
import { EsmmModel } from '../models/esmm-model.js';
import { ctrInferenceGraph, esmmInferenceGraph, towerInferenceGraph, writeOnnx } from './export.js';
import type { GraphBuilder } from '../engine/onnx/graph-builder.js';
import { SEED_TWO_TOWER_CONFIG, TwoTowerModel } from '../models/two-tower.js';

const B = 37;

/** Assert a comparison passed; with ADRANK_REPORT_GOLDEN set, print its errors. */
function expectOk(comparison: Comparison): void {
  if (process.env.ADRANK_REPORT_GOLDEN) process.stderr.write(`export ${comparison.message}\n`);
  expect(comparison.ok, comparison.message).toBe(true);
}
const TOL = { rel: 1e-6, abs: 1e-6 };
const dir = await mkdtemp(join(tmpdir(), 'adrank-export-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/**
 * A random state and a step over the training graph with random ids and numericals filled in; `ids` holds
 * each bag's per-field ids (the step's input holds arena rows).
 */
async function evaluated(layout: ModelLayout, graph: TrainGraph, seed: number, rowsPerSample = [1, 1]): Promise<{ state: ModelState; step: TrainStep; ids: Int32Array[] }> {
  const rng = new Rng(seed);
  const state = ModelState.initialised(layout, rng);
  const step = await TrainStep.create(graph, state, B);
  const ids = step.bags.map((bag, k) => {
    const fields = bag.tables.length;
    const perField = new Int32Array(B * rowsPerSample[k] * fields);
    for (let i = 0; i < perField.length; i++) {
      perField[i] = rng.int(bag.tables[i % fields].rows);
      bag.ids[i] = bag.offsets[i % fields] + perField[i];
    }
    return perField;
  });
  for (const input of graph.inputs) {
    if (input.dtype === 'float32' && !input.bound && !input.name.endsWith('.mask')) {
      const buffer = step.buffer(input.name);
      for (let i = 0; i < buffer.length; i++) buffer[i] = input.name === 'label' || input.name === 'click' || input.name === 'convert' ? rng.int(2) : rng.normal();
    }
  }
  await step.evaluate(B);
  return { state, step, ids };
}

/** Write the graph to disk, load it in a fresh session, run it on the step's ids and numericals. */
async function runExported(graph: GraphBuilder, name: string, ids: Int32Array, fields: number, numerical: Float32Array, width: number, rows = B): Promise<ort.InferenceSession.ReturnType> {
  const path = join(dir, `${name}.onnx`);
  await writeOnnx(path, graph);
  const session = await ort.InferenceSession.create(path);
  const ids64 = BigInt64Array.from(ids.subarray(0, rows * fields), (v) => BigInt(v));
  const result = await session.run({
    ids: new ort.Tensor('int64', ids64, [rows, fields]),
    numerical: new ort.Tensor('float32', numerical.slice(0, rows * width), [rows, width]),
  });
  await session.release();
  return result;
}

describe('exported inference graphs reproduce the training forward', () => {
  test('CTR model: logit and prob', async () => {
    const model = new CtrModel(SEED_CTR_CONFIG);
    const { state, step, ids } = await evaluated(model, ctrTrainGraph(model, { kind: 'bce' }), 1);
    const out = await runExported(ctrInferenceGraph(model, state), 'ctr', ids[0], model.numFields, step.buffer('numerical'), 7);
    const logit = step.buffer('logit').subarray(0, B);
    expectOk(compareArrays(out.logit.data as Float32Array, logit, TOL, 'logit'));
    const prob = Array.from(logit, (z) => 1 / (1 + Math.exp(-z)));
    expectOk(compareArrays(out.prob.data as Float32Array, prob, TOL, 'prob'));
    await step.release();
  });

  test('ESMM: both heads and pCTCVR', async () => {
    const model = new EsmmModel(SEED_CTR_CONFIG);
    const { state, step, ids } = await evaluated(model, esmmTrainGraph(model), 2);
    const out = await runExported(esmmInferenceGraph(model, state), 'esmm', ids[0], model.ctr.numFields, step.buffer('numerical'), 7);
    expectOk(compareArrays(out.ctr_logit.data as Float32Array, step.buffer('ctr_logit').subarray(0, B), TOL, 'ctr'));
    expectOk(compareArrays(out.cvr_logit.data as Float32Array, step.buffer('cvr_logit').subarray(0, B), TOL, 'cvr'));
    const pCtr = out.p_ctr.data as Float32Array;
    const pCvr = out.p_cvr.data as Float32Array;
    expectOk(compareArrays(out.p_ctcvr.data as Float32Array, Array.from(pCtr, (p, i) => p * pCvr[i]), TOL, 'ctcvr'));
    await step.release();
  });

  test('two-tower: the user tower and the ad tower graphs', async () => {
    const model = new TwoTowerModel(SEED_TWO_TOWER_CONFIG);
    const { state, step, ids } = await evaluated(model, twoTowerTrainGraph(model, 4), 3, [1, 5]);
    const user = await runExported(towerInferenceGraph(model.user, state), 'user', ids[0], 7, step.buffer('user_numerical'), 5);
    expectOk(compareArrays(user.vector.data as Float32Array, step.buffer('user_vector').subarray(0, B * 64), TOL, 'user'));
    const ad = await runExported(towerInferenceGraph(model.ad, state), 'ad', ids[1], 3, step.buffer('ad_numerical'), 2, B * 5);
    expectOk(compareArrays(ad.vector.data as Float32Array, step.buffer('ad_vector').subarray(0, B * 5 * 64), TOL, 'ad'));
    await step.release();
  });
});
