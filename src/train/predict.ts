// Scoring many encoded rows with a trained CTR/CVR model through its exported inference graph (the graph
// serving loads), in large batches. Legend: N rows, F fields, M numerical features, B batch.
import * as ort from 'onnxruntime-node';
import { int64Words } from '../engine/dtype.js';
import { createSession } from '../engine/onnx/runner.js';
import type { CtrModel } from '../models/ctr-model.js';
import { ctrInferenceGraph } from '../models/export.js';
import type { ModelState } from './model-state.js';

export interface EncodedRows {
  categorical: readonly Int32Array[]; // F × (N)
  numerical: Float32Array; // (N, M)
}

/** Probabilities (N) of `rows` under the model. */
export async function predictCtr(model: CtrModel, state: ModelState, rows: EncodedRows, batch = 16384): Promise<Float32Array> {
  return score(model, state, rows, 'prob', batch);
}

/** Raw logits (N) of `rows` under the model, as the exported graph computes them in float32. */
export async function predictLogits(model: CtrModel, state: ModelState, rows: EncodedRows, batch = 16384): Promise<Float32Array> {
  return score(model, state, rows, 'logit', batch);
}

async function score(model: CtrModel, state: ModelState, rows: EncodedRows, output: 'prob' | 'logit', batch: number): Promise<Float32Array> {
  const session = await createSession(ctrInferenceGraph(model, state).serialize());
  try {
    const F = rows.categorical.length;
    const M = model.config.numNumerical;
    const n = rows.numerical.length / M;
    const probs = new Float32Array(n);
    const ids = new BigInt64Array(batch * F);
    const words = int64Words(ids); // non-negative int32 ids: the low word, high word 0
    for (let start = 0; start < n; start += batch) {
      const b = Math.min(batch, n - start);
      for (let i = 0; i < b; i++) for (let f = 0; f < F; f++) words[2 * (i * F + f)] = rows.categorical[f][start + i];
      const out = await session.run({
        ids: new ort.Tensor('int64', ids.subarray(0, b * F), [b, F]),
        numerical: new ort.Tensor('float32', rows.numerical.subarray(start * M, (start + b) * M), [b, M]),
      });
      probs.set(out[output].data as Float32Array, start);
    }
    return probs;
  } finally {
    await session.release();
  }
}
