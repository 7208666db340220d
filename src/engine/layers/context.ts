// What a layer needs while it emits ops: the graph, where its parameters come from (slices of one flat
// `params` input while training, initializers in an exported model), where their gradients go, and whether
// dropout is on.
// Legend: P total number of dense parameter values, B batch, H width.
import { assert } from '../../core/errors.js';
import type { FloatDtype } from '../dtype.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { paramOffsets, sizeOf, type ParamSpec } from '../params.js';

/** A layer's forward result: its output, and the closure that emits its backward ops for a given dOut. */
export interface Applied {
  y: string;
  backward(dy: string): string;
}

/** A per-step random input (a dropout mask) the trainer fills before every run. */
export interface MaskInput {
  name: string;
  width: number;
  keepProb: number;
}

/** Supplies parameter values for inference graphs (initializers). */
export interface ParamValues {
  get(name: string): Float32Array;
}

/** Training: the model's parameters, in the order of the flat vector. Inference: their values. */
export type GraphMode = { kind: 'train'; params: readonly ParamSpec[] } | { kind: 'infer'; values: ParamValues };

/** Names of the flat parameter input and of the flat gradient output of a training graph. */
export const PARAMS_INPUT = 'params';
export const PARAMS_GRAD = 'grad.params';

export class LayerContext {
  private readonly paramValues = new Map<string, string>();
  private readonly pieces = new Map<string, string>(); // training: each parameter's slice of the flat input (P_k)
  private readonly grads = new Map<string, string>();
  readonly masks: MaskInput[] = [];

  constructor(
    readonly g: GraphBuilder,
    readonly mode: GraphMode,
  ) {
    if (mode.kind === 'train' && mode.params.length > 0) {
      // one Split of the flat input gives every parameter; a Reshape per parameter is a free view
      const { total } = paramOffsets(mode.params);
      const flat = g.input(PARAMS_INPUT, this.float, [total]); // (P)
      const sizes = mode.params.map((p) => sizeOf(p.shape));
      const outputs = g.node('Split', [flat, g.ints(sizes)], { axis: 0 }, mode.params.length);
      mode.params.forEach((p, k) => this.pieces.set(p.name, outputs[k]));
    }
  }

  get float(): FloatDtype {
    return this.g.float;
  }

  get training(): boolean {
    return this.mode.kind === 'train';
  }

  /** The graph value holding a parameter: a view of the flat input while training, an initializer otherwise. */
  param(spec: ParamSpec): string {
    const known = this.paramValues.get(spec.name);
    if (known !== undefined) return known;
    let value: string;
    if (this.mode.kind === 'train') {
      const piece = this.pieces.get(spec.name);
      assert(piece !== undefined, `parameter ${spec.name} is not in the model's parameter list`);
      value = this.g.op('Reshape', [piece, this.g.ints([...spec.shape])]);
    } else {
      const data = this.mode.values.get(spec.name);
      const values = this.float === 'float32' ? data : Float64Array.from(data);
      value = this.g.initializer(spec.name, this.float, spec.shape, values);
    }
    this.paramValues.set(spec.name, value);
    return value;
  }

  /** Add `grad` into the gradient of parameter `name` (a parameter used twice gets the sum). */
  accumulateGrad(name: string, grad: string): void {
    assert(this.training, `gradient of ${name} requested in an inference graph`);
    const previous = this.grads.get(name);
    this.grads.set(name, previous === undefined ? grad : this.g.op('Add', [previous, grad]));
  }

  /** A per-step dropout mask input of shape (B, width): 0 or 1/keepProb. */
  maskInput(name: string, width: number, keepProb: number): string {
    this.masks.push({ name, width, keepProb });
    return this.g.input(name, this.float, ['B', width]);
  }

  /** The training parameters, in flat-vector order. */
  params(): readonly ParamSpec[] {
    return this.mode.kind === 'train' ? this.mode.params : [];
  }

  /** Expose the gradients of all parameters, concatenated in flat-vector order, as the output `grad.params` (P). */
  outputGrads(): void {
    const specs = this.params();
    const flatGrads = specs.map((spec) => {
      const grad = this.grads.get(spec.name);
      assert(grad !== undefined, `parameter ${spec.name} got no gradient`);
      return this.g.op('Reshape', [grad, this.g.ints([-1])]);
    });
    const total = paramOffsets(specs).total;
    this.g.output(this.g.op('Concat', flatGrads, { axis: 0 }, PARAMS_GRAD), this.float, [total]);
  }
}
