// Index configs: strict (unknown keys and bad values fail with the field's path), frozen, defaults left out.
import { describe, expect, it } from 'vitest';
import { AdrankError } from '../core/errors.js';
import { parseIndexConfig } from './config.js';

function fieldOf(value: unknown): string | undefined {
  try {
    parseIndexConfig(value);
  } catch (e) {
    expect(e).toBeInstanceOf(AdrankError);
    expect((e as AdrankError).code).toBe('BAD_CONFIG');
    return (e as AdrankError).location.field;
  }
  throw new Error('expected a BAD_CONFIG error');
}

describe('parseIndexConfig', () => {
  it('accepts each kind and freezes the result', () => {
    expect(parseIndexConfig({ kind: 'exact' })).toEqual({ kind: 'exact' });
    const ivf = parseIndexConfig({ kind: 'ivf', lists: 100, candidates: 5000 });
    expect(ivf).toEqual({ kind: 'ivf', lists: 100, candidates: 5000 });
    expect(Object.isFrozen(ivf)).toBe(true);
    expect(parseIndexConfig({ kind: 'hnsw', connectivity: 32 })).toEqual({ kind: 'hnsw', connectivity: 32 });
    expect(parseIndexConfig({ kind: 'auto', exactBelow: 1000 })).toEqual({ kind: 'auto', exactBelow: 1000 });
  });

  it('names the offending field', () => {
    expect(fieldOf(null)).toBe('index');
    expect(fieldOf([])).toBe('index');
    expect(fieldOf({})).toBe('index.kind');
    expect(fieldOf({ kind: 'faiss' })).toBe('index.kind');
    expect(fieldOf({ kind: 'exact', lists: 4 })).toBe('index.lists');
    expect(fieldOf({ kind: 'ivf', probes: 4 })).toBe('index.probes');
    expect(fieldOf({ kind: 'ivf', lists: 2.5 })).toBe('index.lists');
    expect(fieldOf({ kind: 'ivf', candidates: '100' })).toBe('index.candidates');
    expect(fieldOf({ kind: 'hnsw', connectivity: 1 })).toBe('index.connectivity');
    expect(fieldOf({ kind: 'auto', exactBelow: 0 })).toBe('index.exactBelow');
  });
});
