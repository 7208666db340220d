// What a layer needs while it emits ops: the graph, where its parameters come from (graph inputs while
// training, initializers in an exported model), where their gradients go, and whether dropout is on.
import { assert } from '../../core/errors.js';
import type { FloatDtype } from '../dtype.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import type { ParamSpec } from '../params.js';

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

export type GraphMode = { kind: 'train' } | { kind: 'infer'; values: ParamValues };

export class LayerContext {
  private readonly paramNames = new Map<string, string>();
  private readonly grads = new Map<string, string>();
  private readonly usedParams: ParamSpec[] = [];
  readonly masks: MaskInput[] = [];

  constructor(
    readonly g: GraphBuilder,
    readonly mode: GraphMode,
  ) {}

  get float(): FloatDtype {
    return this.g.float;
  }

  get training(): boolean {
    return this.mode.kind === 'train';
  }

  /** The graph value holding a parameter: a graph input while training, an initializer otherwise. */
  param(spec: ParamSpec): string {
    const known = this.paramNames.get(spec.name);
    if (known !== undefined) return known;
    let value: string;
    if (this.mode.kind === 'train') {
      value = this.g.input(spec.name, this.float, spec.shape);
    } else {
      const data = this.mode.values.get(spec.name);
      const values = this.float === 'float32' ? data : Float64Array.from(data);
      value = this.g.initializer(spec.name, this.float, spec.shape, values);
    }
    this.paramNames.set(spec.name, value);
    this.usedParams.push(spec);
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

  /** Parameters used so far, in order of first use. */
  params(): readonly ParamSpec[] {
    return this.usedParams;
  }

  /** Expose every parameter gradient as a graph output named `grad.<param>`. */
  outputGrads(): void {
    for (const spec of this.usedParams) {
      const grad = this.grads.get(spec.name);
      assert(grad !== undefined, `parameter ${spec.name} got no gradient`);
      this.g.output(this.g.rename(grad, gradName(spec.name)), this.float, spec.shape);
    }
  }
}

export function gradName(param: string): string {
  return `grad.${param}`;
}
