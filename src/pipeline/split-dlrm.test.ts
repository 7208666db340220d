// The split DLRM regroups the exported model's arithmetic by request side: its candidate scores must equal the
// full model's, for a CTR model and for ESMM's CVR head, with every kind of field and numerical in the mix.
import { describe, expect, test } from 'vitest';
import { Rng } from '../core/rng.js';
import { compareArrays } from '../engine/testing/compare.js';
import type { FeatureSide } from '../features/feature-set.js';
import { CtrModel, type CtrModelConfig } from '../models/ctr-model.js';
import { EsmmModel } from '../models/esmm-model.js';
import { ctrInferenceGraph, esmmInferenceGraph } from '../pipeline/export.js';
import { scoreRows } from '../pipeline/predict.js';
import { ModelState } from '../train/model-state.js';
import { SplitDlrm } from './split-dlrm.js';

const FIELDS: { side: FeatureSide; rows: number }[] = [
  { side: 'user', rows: 5 }, { side: 'context', rows: 4 }, { side: 'ad', rows: 7 }, { side: 'user', rows: 30 },
  { side: 'ad', rows: 50 }, { side: 'context', rows: 24 }, { side: 'ad', rows: 3 },
];
const NUMERICALS: FeatureSide[] = ['user', 'cross', 'ad', 'context', 'cross', 'ad'];
const config = (dropout: number): CtrModelConfig => ({
  fields: FIELDS.map((f, i) => ({ name: `f${i}`, cardinality: f.rows })), embeddingDim: 8, projectionDim: 6, numNumerical: NUMERICALS.length, hidden: [32, 16], dropout,
});

async function check(bytes: Uint8Array, prefix: string, output: string, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const split = SplitDlrm.fromModel(bytes, prefix, { fieldSides: FIELDS.map((f) => f.side), fieldRows: FIELDS.map((f) => f.rows), numericalSides: NUMERICALS });
  const A = 40;
  const adFields = FIELDS.map((f, i) => (f.side === 'ad' ? i : -1)).filter((i) => i >= 0);
  const adNums = NUMERICALS.map((s, m) => (s === 'ad' ? m : -1)).filter((m) => m >= 0);
  const adIds = Int32Array.from({ length: A * adFields.length }, (_, i) => rng.int(FIELDS[adFields[i % adFields.length]].rows));
  const adNumerical = Float32Array.from({ length: A * adNums.length }, () => rng.normal());
  await split.compile(await split.precomputeAds(adIds, adNumerical));
  for (let request = 0; request < 3; request++) {
    const requestFields = FIELDS.map((f, i) => (f.side !== 'ad' ? i : -1)).filter((i) => i >= 0);
    const requestNums = NUMERICALS.map((s, m) => (s === 'user' || s === 'context' ? m : -1)).filter((m) => m >= 0);
    const crossNums = NUMERICALS.map((s, m) => (s === 'cross' ? m : -1)).filter((m) => m >= 0);
    const reqIds = requestFields.map((f) => rng.int(FIELDS[f].rows));
    const reqNum = requestNums.map(() => rng.normal());
    const C = 25;
    const candidates = Int32Array.from({ length: C }, () => rng.int(A));
    const cross = Float32Array.from({ length: C * crossNums.length }, () => rng.normal());
    const logits = await split.score(split.request(reqIds, reqNum), BigInt64Array.from(candidates, (c) => BigInt(c)), cross);
    // the same rows, whole, through the exported model
    const categorical = FIELDS.map(() => new Int32Array(C));
    const numerical = new Float32Array(C * NUMERICALS.length);
    for (let c = 0; c < C; c++) {
      requestFields.forEach((f, slot) => (categorical[f][c] = reqIds[slot]));
      adFields.forEach((f, slot) => (categorical[f][c] = adIds[candidates[c] * adFields.length + slot]));
      requestNums.forEach((m, slot) => (numerical[c * NUMERICALS.length + m] = reqNum[slot]));
      adNums.forEach((m, slot) => (numerical[c * NUMERICALS.length + m] = adNumerical[candidates[c] * adNums.length + slot]));
      crossNums.forEach((m, slot) => (numerical[c * NUMERICALS.length + m] = cross[c * crossNums.length + slot]));
    }
    const full = (await scoreRows(bytes, { categorical, numerical }, [output]))[output];
    const comparison = compareArrays(logits, full, { rel: 1e-5, abs: 1e-5 }, `${prefix || 'ctr'} request ${request}`);
    expect(comparison.ok, comparison.message).toBe(true);
  }
  await split.release();
}

describe('the split DLRM scores candidates as the full model does', () => {
  test('a CTR model (with dropout layers in its MLP)', async () => {
    const model = new CtrModel(config(0.2));
    await check(ctrInferenceGraph(model, ModelState.initialised(model, new Rng(1))).serialize(), '', 'logit', 2);
  });

  test('ESMM: the CVR head, sharing the embeddings', async () => {
    const model = new EsmmModel(config(0));
    await check(esmmInferenceGraph(model, ModelState.initialised(model, new Rng(3))).serialize(), 'cvr.', 'cvr_logit', 4);
  });
});
