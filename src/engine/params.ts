// Dense parameters: a named Float32Array per weight or bias, initialised from the seeded Rng the way
// PyTorch initialises nn.Linear (uniform in ±1/sqrt(fan_in) for weight and bias).
import { assert } from '../core/errors.js';
import type { Rng } from '../core/rng.js';

export type Init = { kind: 'uniform'; bound: number } | { kind: 'normal'; std: number } | { kind: 'zeros' };

export interface ParamSpec {
  name: string;
  shape: readonly number[];
  init: Init;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function fillInit(target: Float32Array, init: Init, rng: Rng): void {
  switch (init.kind) {
    case 'zeros':
      target.fill(0);
      return;
    case 'uniform':
      for (let i = 0; i < target.length; i++) target[i] = (2 * rng.next() - 1) * init.bound;
      return;
    case 'normal':
      for (let i = 0; i < target.length; i++) target[i] = rng.normal() * init.std;
      return;
  }
}

/** Where each parameter lies in the flat vector of a model's dense parameters, in spec order. */
export function paramOffsets(specs: readonly ParamSpec[]): { offsets: Map<string, number>; total: number } {
  const offsets = new Map<string, number>();
  let total = 0;
  for (const spec of specs) {
    assert(!offsets.has(spec.name), `duplicate parameter ${spec.name}`);
    offsets.set(spec.name, total);
    total += sizeOf(spec.shape);
  }
  return { offsets, total };
}

/**
 * A model's dense parameters in one flat Float32Array (spec order), each readable as a view by name. The
 * training graph takes the flat vector as a single input and returns one flat gradient, so a step binds two
 * tensors instead of two per parameter, and dense Adam runs over one array.
 */
export class ParamStore {
  readonly flat: Float32Array;
  private readonly views = new Map<string, Float32Array>();

  constructor(readonly specs: readonly ParamSpec[]) {
    const { offsets, total } = paramOffsets(specs);
    this.flat = new Float32Array(total);
    for (const spec of specs) {
      const offset = offsets.get(spec.name) ?? 0;
      this.views.set(spec.name, this.flat.subarray(offset, offset + sizeOf(spec.shape)));
    }
  }

  /** Draw a parameter's initial values from `rng` (in spec order when called for every spec). */
  initialise(name: string, rng: Rng): void {
    const spec = this.specs.find((s) => s.name === name);
    assert(spec !== undefined, `unknown parameter ${name}`);
    fillInit(this.get(name), spec.init, rng);
  }

  get(name: string): Float32Array {
    const value = this.views.get(name);
    assert(value !== undefined, `unknown parameter ${name}`);
    return value;
  }
}
