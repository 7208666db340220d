// alignGrids against a plain reference: the shared grid holds each value as often as the series that repeats it
// most, and every series' k-th point at value v sits in the k-th slot of v.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { alignGrids } from './align.js';

function referenceAlign(xs: number[][]): { x: number[]; slots: number[][] } {
  const values = [...new Set(xs.flat())].sort((a, b) => a - b);
  const x: number[] = [];
  const first = new Map<number, number>();
  for (const v of values) {
    const most = Math.max(...xs.map((s) => s.filter((w) => w === v).length));
    first.set(v, x.length);
    for (let k = 0; k < most; k++) x.push(v);
  }
  const slots = xs.map((s) => s.map((v, i) => first.get(v)! + s.slice(0, i).filter((w) => w === v).length));
  return { x, slots };
}

describe('alignGrids', () => {
  it('keeps an ROC curve\'s vertical steps and merges shared values', () => {
    const roc = [0, 0, 0.25, 0.5, 0.5, 0.5, 1];
    const other = [0, 0.1, 0.5, 1];
    const grid = alignGrids([roc, other]);
    expect(grid.x).toEqual([0, 0, 0.1, 0.25, 0.5, 0.5, 0.5, 1]);
    expect(Array.from(grid.slots[0])).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect(Array.from(grid.slots[1])).toEqual([0, 2, 4, 7]);
  });

  it('gives series on one grid the same slots', () => {
    const epochs = [1, 2, 3, 4];
    const grid = alignGrids([epochs, epochs, [2, 3]]);
    expect(grid.x).toEqual(epochs);
    expect(Array.from(grid.slots[0])).toEqual([0, 1, 2, 3]);
    expect(Array.from(grid.slots[1])).toEqual([0, 1, 2, 3]);
    expect(Array.from(grid.slots[2])).toEqual([1, 2]);
  });

  it('matches the reference on random grids with ties', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const xs = Array.from({ length: 1 + rng.int(4) }, () =>
        Array.from({ length: 1 + rng.int(12) }, () => rng.int(8) / 4).sort((a, b) => a - b),
      );
      const grid = alignGrids(xs);
      const reference = referenceAlign(xs);
      expect(grid.x).toEqual(reference.x);
      expect(grid.slots.map((s) => Array.from(s))).toEqual(reference.slots);
      grid.slots.forEach((slots, s) => slots.forEach((slot, i) => expect(grid.x[slot]).toBe(xs[s][i])));
    }
  });
});
