// Dense parameters: a named Float32Array per weight or bias, initialised from the seeded Rng the way
// PyTorch initialises nn.Linear (uniform in ±1/sqrt(fan_in) for weight and bias).
import { AdrankError, assert } from '../core/errors.js';
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

export class ParamStore {
  private readonly values = new Map<string, Float32Array>();
  readonly specs: readonly ParamSpec[];

  constructor(specs: readonly ParamSpec[]) {
    const seen = new Set<string>();
    for (const spec of specs) {
      assert(!seen.has(spec.name), `duplicate parameter ${spec.name}`);
      seen.add(spec.name);
      this.values.set(spec.name, new Float32Array(sizeOf(spec.shape)));
    }
    this.specs = specs;
  }

  /** Draw a parameter's initial values from `rng` (in spec order when called for every spec). */
  initialise(name: string, rng: Rng): void {
    const spec = this.specs.find((s) => s.name === name);
    assert(spec !== undefined, `unknown parameter ${name}`);
    fillInit(this.get(name), spec.init, rng);
  }

  get(name: string): Float32Array {
    const value = this.values.get(name);
    assert(value !== undefined, `unknown parameter ${name}`);
    return value;
  }

  /** Overwrite a parameter's values (e.g. from a golden file or checkpoint), checking the size. */
  load(name: string, values: ArrayLike<number>): void {
    const target = this.get(name);
    if (values.length !== target.length) {
      throw new AdrankError('BAD_ARTIFACT', `parameter ${name} has ${values.length} values, expected ${target.length}`, {
        location: { field: name },
        hint: 'the weights were saved from a model with a different configuration',
      });
    }
    target.set(values);
  }

  get count(): number {
    let total = 0;
    for (const value of this.values.values()) total += value.length;
    return total;
  }
}
