import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { IdIndex, idLookup } from './id-index.js';

describe('IdIndex', () => {
  it('maps ids to rows in insertion order through growth, and unknown ids to -1', () => {
    const rng = new Rng(1);
    const ids = Array.from(new Set(Array.from({ length: 5000 }, () => rng.int(1e12)))); // scattered, distinct
    const index = new IdIndex(ids);
    expect(index.size).toBe(ids.length);
    ids.forEach((id, row) => expect(index.get(id)).toBe(row));
    expect(index.get(1e12 + 5)).toBe(-1);
    expect(index.get(-3)).toBe(-1);
    expect(index.get(2.5)).toBe(-1);
    expect(index.add(ids[7])).toBe(7); // adding again keeps the row
  });
});

describe('idLookup', () => {
  const cases: [string, number[]][] = [
    ['consecutive ids (arithmetic)', Array.from({ length: 1000 }, (_, i) => 1000 - i)],
    ['a few runs (arithmetic)', [...Array.from({ length: 500 }, (_, i) => i + 1), ...Array.from({ length: 500 }, (_, i) => 1_000_000 + i)]],
    ['scattered ids (hash index)', Array.from({ length: 1000 }, (_, i) => i * 7919 + 13)],
  ];
  for (const [name, ids] of cases) {
    it(name, () => {
      const row = idLookup(ids);
      ids.forEach((id, i) => expect(row(id)).toBe(i));
      for (const unknown of [0, -1, 999_999, 2_000_000, 3.5, NaN]) expect(row(unknown), String(unknown)).toBe(ids.includes(unknown) ? ids.indexOf(unknown) : -1);
    });
  }
});
