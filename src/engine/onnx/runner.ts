// A compiled graph with its input and output buffers allocated once: every run feeds the same typed arrays
// and ONNX Runtime writes the outputs straight into ours (preallocated fetches), so a step allocates no
// tensors of its own. Buffers are sized for the largest batch; a shorter batch runs on views of them.
import * as ort from 'onnxruntime-node';
import { assert } from '../../core/errors.js';
import { allocate, isArrayOf, type DataArray, type Dtype, type FloatArray } from '../dtype.js';

/**
 * One graph input or output: `batchRows` rows per sample (0: not batched) of `inner` elements each. A `bound`
 * input reads an array owned elsewhere (parameters, embedding arenas), attached with `bind` before running.
 */
export interface IoSpec {
  name: string;
  dtype: Dtype;
  batchRows: number;
  inner: readonly number[];
  bound?: boolean;
}

function sizeOf(spec: IoSpec, batch: number): number {
  const rows = spec.batchRows === 0 ? 1 : spec.batchRows * batch;
  return rows * spec.inner.reduce((a, b) => a * b, 1);
}

export interface SessionSettings {
  intraOpThreads: number;
  optimization: 'disabled' | 'basic' | 'extended' | 'all';
  memPattern: boolean;
  /** write ONNX Runtime's per-node profile (JSON) to files starting with this prefix */
  profilePrefix?: string;
}

// On the 2-core machine a training run was 5–6 ms/step with 2 intra-op threads against 7.5–10 ms with 1, and
// full graph optimisation was never slower than 'extended' or 'basic' (timings there vary by ±15%). For
// serving, two 1-thread sessions (a process per core) out-ran one 2-thread session (bench/train-throughput.ts).
export const DEFAULT_SESSION: SessionSettings = { intraOpThreads: 2, optimization: 'all', memPattern: true };

export async function createSession(model: Uint8Array | string, settings: SessionSettings = DEFAULT_SESSION): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: settings.optimization,
    enableMemPattern: settings.memPattern,
    enableCpuMemArena: true,
    enableProfiling: settings.profilePrefix !== undefined,
    profileFilePrefix: settings.profilePrefix,
  };
  // one call per overload: create() takes a path or bytes, not their union
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

type TensorMap = Record<string, ort.Tensor>;

export class Runner {
  private readonly buffers = new Map<string, DataArray>();
  private readonly io = new Map<number, { feeds: TensorMap; fetches: TensorMap }>();

  private constructor(
    readonly session: ort.InferenceSession,
    private readonly inputs: readonly IoSpec[],
    private readonly outputs: readonly IoSpec[],
    readonly maxBatch: number,
  ) {
    const names = new Set<string>();
    for (const spec of [...inputs, ...outputs]) {
      assert(!names.has(spec.name), `duplicate graph value ${spec.name}`);
      names.add(spec.name);
      if (!spec.bound) this.buffers.set(spec.name, allocate(spec.dtype, sizeOf(spec, maxBatch)));
    }
  }

  static async create(
    model: Uint8Array,
    inputs: readonly IoSpec[],
    outputs: readonly IoSpec[],
    maxBatch: number,
    settings: SessionSettings = DEFAULT_SESSION,
  ): Promise<Runner> {
    const session = await createSession(model, settings);
    const names = new Set(session.inputNames);
    for (const spec of inputs) assert(names.has(spec.name), `graph has no input ${spec.name}`);
    assert(names.size === inputs.length, `graph inputs ${session.inputNames.join(',')} not all described`);
    return new Runner(session, inputs, outputs, maxBatch);
  }

  /** The full-capacity buffer of an input or output; a batch of b samples uses its first b·rows·inner. */
  buffer(name: string): DataArray {
    const buffer = this.buffers.get(name);
    assert(buffer !== undefined, `no buffer for ${name} (a bound input must be bound first)`);
    return buffer;
  }

  /** A float input's or output's buffer. */
  floats(name: string): FloatArray {
    const buffer = this.buffer(name);
    assert(buffer instanceof Float32Array || buffer instanceof Float64Array, `${name} is not a float buffer`);
    return buffer;
  }

  /** Attach the array a `bound` input reads in place (a parameter, an embedding arena). */
  bind(name: string, data: DataArray): void {
    const spec = this.inputs.find((s) => s.name === name);
    assert(spec !== undefined && spec.bound === true, `${name} is not a bound input`);
    assert(data.length === sizeOf(spec, 1) && isArrayOf(spec.dtype, data), `bind ${name}: wrong size or type`);
    this.buffers.set(name, data);
    this.io.clear();
  }

  /** One session.run over the first `batch` samples of every buffer. */
  async run(batch: number): Promise<void> {
    assert(batch > 0 && batch <= this.maxBatch, `batch ${batch} outside 1..${this.maxBatch}`);
    let io = this.io.get(batch);
    if (io === undefined) {
      io = { feeds: this.tensors(this.inputs, batch), fetches: this.tensors(this.outputs, batch) };
      this.io.set(batch, io);
    }
    await this.session.run(io.feeds, io.fetches);
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private tensors(specs: readonly IoSpec[], batch: number): TensorMap {
    const map: TensorMap = {};
    for (const spec of specs) {
      const dims = spec.batchRows === 0 ? [...spec.inner] : [batch * spec.batchRows, ...spec.inner];
      const view = this.buffer(spec.name).subarray(0, sizeOf(spec, batch));
      map[spec.name] = new ort.Tensor(spec.dtype, view, dims);
    }
    return map;
  }
}
