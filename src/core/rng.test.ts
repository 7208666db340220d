import { describe, expect, it } from 'vitest';
import { Rng, isValidSeed } from './rng.js';

const first = (seed: number): number[] => {
  const rng = new Rng(seed);
  const forked = rng.fork('train-log');
  return [rng.nextUint32(), rng.nextUint32(), forked.nextUint32()];
};

describe('Rng seeds', () => {
  it('keeps the streams of every seed below 2^32 (values of the 32-bit seeding)', () => {
    expect(first(0)).toEqual([4205396811, 3543653536, 896220856]);
    expect(first(42)).toEqual([1028872839, 2516511472, 3462672383]);
    expect(first(4294967295)).toEqual([1413747962, 91561161, 3712374296]);
  });

  it('gives seeds that differ only above bit 32 their own streams, forks included', () => {
    const seeds = [42, 42 + 2 ** 32, 42 + 2 ** 33, 42 + 5 * 2 ** 40, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 2 ** 32];
    const streams = seeds.map((s) => first(s).join(','));
    expect(new Set(streams).size).toBe(seeds.length);
    const label = new Rng(0).fork('a').seed; // the label's hash
    expect(new Rng(42 + 2 ** 32).fork('a').seed, 'a fork keeps the high bits').toBe(2 ** 32 + ((42 ^ label) >>> 0));
  });

  it('refuses seeds it cannot represent exactly', () => {
    for (const bad of [-1, 1.5, 2 ** 53, NaN, Infinity]) {
      expect(isValidSeed(bad)).toBe(false);
      expect(() => new Rng(bad)).toThrow(/seed/);
    }
    expect(isValidSeed(Number.MAX_SAFE_INTEGER)).toBe(true);
  });
});
