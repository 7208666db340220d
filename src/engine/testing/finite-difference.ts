// Finite-difference checks of graph gradients, in float64: build a scalar objective and its analytic
// gradients with the layers' backward ops, then compare each gradient element to the central difference
// (J(x+h) − J(x−h)) / 2h of the objective, run through the same compiled graph.
import * as ort from 'onnxruntime-node';
import type { Rng } from '../../core/rng.js';
import { LayerContext, PARAMS_GRAD, PARAMS_INPUT } from '../layers/context.js';
import { paramOffsets, sizeOf, type ParamSpec } from '../params.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { compareArrays, type Comparison, type Tolerance } from './compare.js';

export interface FdInput {
  shape: number[];
  /** values; default uniform in ±1 */
  values?: number[];
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

/**
 * Check every gradient of the objective `build` makes: of each differentiable data input, and of each of
 * `params` (the layers' parameters, fed as the flat `params` input). One Comparison per tensor.
 */
export async function finiteDifferenceCheck(
  inputs: Record<string, FdInput>,
  params: readonly ParamSpec[],
  build: (ctx: LayerContext, names: Record<string, string>) => FdBuilt,
  options: FdOptions,
): Promise<Comparison[]> {
  const { rng, h = 1e-6, tol = { rel: 1e-6, abs: 1e-8 }, maskRows = 1 } = options;
  const g = new GraphBuilder('finite_difference', 'float64');
  const ctx = new LayerContext(g, { kind: 'train', params });
  const names: Record<string, string> = {};
  const values = new Map<string, { data: Float64Array; shape: number[] }>();
  for (const [name, spec] of Object.entries(inputs)) {
    names[name] = g.input(name, 'float64', spec.shape);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    values.set(name, { data: Float64Array.from(spec.values ?? Array.from({ length: count }, () => 2 * rng.next() - 1)), shape: spec.shape });
  }
  const built = build(ctx, names);
  g.output(g.rename(built.objective, 'objective'), 'float64', []);
  // what to check: [value name, gradient output, offset in that output, length]
  const checks: { value: string; grad: string; offset: number; length: number; label: string }[] = [];
  for (const [input, grad] of Object.entries(built.inputGrads)) {
    g.output(g.rename(grad, gradName(input)), 'float64', inputs[input].shape);
    checks.push({ value: input, grad: gradName(input), offset: 0, length: values.get(input)?.data.length ?? 0, label: input });
  }
  if (params.length > 0) {
    ctx.outputGrads();
    const { offsets, total } = paramOffsets(params);
    values.set(PARAMS_INPUT, { data: Float64Array.from({ length: total }, () => 2 * rng.next() - 1), shape: [total] });
    for (const spec of params) {
      checks.push({ value: PARAMS_INPUT, grad: PARAMS_GRAD, offset: offsets.get(spec.name) ?? 0, length: sizeOf(spec.shape), label: spec.name });
    }
  }
  for (const mask of ctx.masks) {
    const data = Float64Array.from({ length: maskRows * mask.width }, () => (rng.next() < mask.keepProb ? 1 / mask.keepProb : 0));
    values.set(mask.name, { data, shape: [maskRows, mask.width] });
  }

  const session = await ort.InferenceSession.create(g.serialize(), { graphOptimizationLevel: 'disabled' });
  const feeds = (): Record<string, ort.Tensor> => Object.fromEntries([...values].map(([name, v]) => [name, new ort.Tensor('float64', v.data, v.shape)]));
  const base = await session.run(feeds());
  const objective = async (): Promise<number> => Number((await session.run(feeds(), ['objective'])).objective.data[0]);

  const results: Comparison[] = [];
  for (const check of checks) {
    const data = values.get(check.value)?.data ?? new Float64Array(0);
    const numeric = new Float64Array(check.length);
    for (let i = 0; i < check.length; i++) {
      const at = check.offset + i;
      const keep = data[at];
      data[at] = keep + h;
      const plus = await objective();
      data[at] = keep - h;
      const minus = await objective();
      data[at] = keep;
      numeric[i] = (plus - minus) / (2 * h);
    }
    const analytic = (base[check.grad].data as Float64Array).subarray(check.offset, check.offset + check.length);
    results.push(compareArrays(analytic, numeric, tol, check.label));
  }
  await session.release();
  return results;
}

function gradName(input: string): string {
  return `grad.${input}`;
}
