// Scoring many encoded rows through an exported inference graph (the bytes serving loads), in large batches.
// Legend: N rows, F fields, M numerical features, B batch.
import * as ort from 'onnxruntime-node';
import { int64Words } from '../engine/dtype.js';
import { createSession } from '../engine/onnx/runner.js';
import type { CtrModel } from '../models/ctr-model.js';
import type { ModelState } from '../train/model-state.js';
import { ctrInferenceGraph } from './export.js';

export interface EncodedRows {
  categorical: readonly Int32Array[]; // F × (N)
  numerical: Float32Array; // (N, M)
}

/** The named float outputs (N each) of a model over `rows`; `model` is a serialised graph or a path to one. */
export async function scoreRows(model: Uint8Array | string, rows: EncodedRows, outputs: readonly string[], batch = 16384): Promise<Record<string, Float32Array>> {
  const session = await createSession(model);
  try {
    const F = rows.categorical.length;
    const n = rows.categorical[0]?.length ?? 0;
    const M = n > 0 ? rows.numerical.length / n : 0;
    const result = Object.fromEntries(outputs.map((name) => [name, new Float32Array(n * outputWidth(session, name))]));
    const ids = new BigInt64Array(batch * F);
    const words = int64Words(ids); // non-negative int32 ids: the low word, high word 0
    for (let start = 0; start < n; start += batch) {
      const b = Math.min(batch, n - start);
      for (let i = 0; i < b; i++) for (let f = 0; f < F; f++) words[2 * (i * F + f)] = rows.categorical[f][start + i];
      const out = await session.run({
        ids: new ort.Tensor('int64', ids.subarray(0, b * F), [b, F]),
        numerical: new ort.Tensor('float32', rows.numerical.subarray(start * M, (start + b) * M), [b, M]),
      }, outputs);
      for (const name of outputs) {
        const data = out[name].data as Float32Array;
        result[name].set(data, start * (data.length / b));
      }
    }
    return result;
  } finally {
    await session.release();
  }
}

/** Width of an output per row: 1 for a (B) output, the last dimension for a (B,O) one. */
function outputWidth(session: ort.InferenceSession, name: string): number {
  const meta = session.outputMetadata.find((m) => m.name === name);
  if (meta && meta.isTensor && meta.shape.length === 2 && typeof meta.shape[1] === 'number') return meta.shape[1];
  return 1;
}

/** Probabilities (N) of `rows` under a CTR/CVR model. */
export async function predictCtr(model: CtrModel, state: ModelState, rows: EncodedRows, batch = 16384): Promise<Float32Array> {
  return (await scoreRows(ctrInferenceGraph(model, state).serialize(), rows, ['prob'], batch)).prob;
}

/** Raw logits (N) of `rows` under a CTR/CVR model, as the exported graph computes them in float32. */
export async function predictLogits(model: CtrModel, state: ModelState, rows: EncodedRows, batch = 16384): Promise<Float32Array> {
  return (await scoreRows(ctrInferenceGraph(model, state).serialize(), rows, ['logit'], batch)).logit;
}
