// Finite-difference checks of graph gradients, in float64: build a scalar objective and its analytic
// gradients with the layers' backward ops, then compare each gradient element to the central difference
// (J(x+h) − J(x−h)) / 2h of the objective, run through the same compiled graph.
import * as ort from 'onnxruntime-node';
import type { Rng } from '../../core/rng.js';
import { LayerContext, gradName } from '../layers/context.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { compareArrays, type Comparison, type Tolerance } from './compare.js';

export interface FdInput {
  shape: number[];
  /** values; default uniform in ±1 */
  values?: number[];
  /** check the gradient of this input (default true); labels and masks are not differentiated */
  differentiable?: boolean;
}

export interface FdBuilt {
  /** scalar objective */
  objective: string;
  /** analytic gradient value of each differentiable data input, by input name */
  inputGrads: Record<string, string>;
}

export interface FdOptions {
  rng: Rng;
  /** step of the central difference */
  h?: number;
  tol?: Tolerance;
  /** batch rows of dropout masks (drawn once, held fixed) */
  maskRows?: number;
}

/** Weighted sum Σ y·w with a fixed weight, the usual objective for checking a layer: its dy is w. */
export function weightedSum(ctx: LayerContext, y: string, shape: number[], rng: Rng): { objective: string; dy: string } {
  const count = shape.reduce((a, b) => a * b, 1);
  const w = ctx.g.constant(shape, Array.from({ length: count }, () => 2 * rng.next() - 1));
  return { objective: ctx.g.op('ReduceSum', [ctx.g.op('Mul', [y, w])], { keepdims: 0 }), dy: w };
}

/** Check every gradient (data inputs, parameters) of the objective `build` makes; one Comparison per tensor. */
export async function finiteDifferenceCheck(
  inputs: Record<string, FdInput>,
  build: (ctx: LayerContext, names: Record<string, string>) => FdBuilt,
  options: FdOptions,
): Promise<Comparison[]> {
  const { rng, h = 1e-6, tol = { rel: 1e-6, abs: 1e-8 }, maskRows = 1 } = options;
  const g = new GraphBuilder('finite_difference', 'float64');
  const ctx = new LayerContext(g, { kind: 'train' });
  const names: Record<string, string> = {};
  const values = new Map<string, { data: Float64Array; shape: number[]; differentiable: boolean }>();
  for (const [name, spec] of Object.entries(inputs)) {
    names[name] = g.input(name, 'float64', spec.shape);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const data = Float64Array.from(spec.values ?? Array.from({ length: count }, () => 2 * rng.next() - 1));
    values.set(name, { data, shape: spec.shape, differentiable: spec.differentiable ?? true });
  }
  const built = build(ctx, names);
  g.output(g.rename(built.objective, 'objective'), 'float64', []);
  const gradOutputs = new Map<string, string>();
  for (const [input, grad] of Object.entries(built.inputGrads)) {
    gradOutputs.set(input, g.rename(grad, gradName(input)));
    g.output(gradName(input), 'float64', inputs[input].shape);
  }
  ctx.outputGrads();
  for (const spec of ctx.params()) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    values.set(spec.name, { data: Float64Array.from({ length: count }, () => 2 * rng.next() - 1), shape: [...spec.shape], differentiable: true });
    gradOutputs.set(spec.name, gradName(spec.name));
  }
  for (const mask of ctx.masks) {
    const rows = maskRows;
    const data = Float64Array.from({ length: rows * mask.width }, () => (rng.next() < mask.keepProb ? 1 / mask.keepProb : 0));
    values.set(mask.name, { data, shape: [rows, mask.width], differentiable: false });
  }

  const session = await ort.InferenceSession.create(g.serialize(), { graphOptimizationLevel: 'disabled' });
  const feeds = (): Record<string, ort.Tensor> =>
    Object.fromEntries([...values].map(([name, v]) => [name, new ort.Tensor('float64', v.data, v.shape)]));
  const base = await session.run(feeds());
  const objective = async (): Promise<number> => Number((await session.run(feeds(), ['objective'])).objective.data[0]);

  const results: Comparison[] = [];
  for (const [name, grad] of gradOutputs) {
    const v = values.get(name);
    if (v === undefined || !v.differentiable) continue;
    const numeric = new Float64Array(v.data.length);
    for (let i = 0; i < v.data.length; i++) {
      const keep = v.data[i];
      v.data[i] = keep + h;
      const plus = await objective();
      v.data[i] = keep - h;
      const minus = await objective();
      v.data[i] = keep;
      numeric[i] = (plus - minus) / (2 * h);
    }
    results.push(compareArrays(base[grad].data as Float64Array, numeric, tol, name));
  }
  await session.release();
  return results;
}
