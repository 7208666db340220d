// Checks on what callers hand an index: the ad vectors once at build time, the query and k on every search.
// Each failure is an AdrankError naming the field, so a bad request never turns into a crash or a NaN score.
import { AdrankError } from '../core/errors.js';

/** Vectors must be a (N, D) Float32Array of finite numbers with N ≥ 1. Returns N. */
export function checkVectors(vectors: unknown, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1) {
    throw new AdrankError('BAD_ARGUMENT', 'the vector dimension must be a positive integer', {
      location: { field: 'dim', value: String(dim) },
      hint: 'pass the ad tower output dimension',
    });
  }
  if (!(vectors instanceof Float32Array)) {
    throw new AdrankError('BAD_ARGUMENT', 'ad vectors must be a Float32Array (N, D) in row-major order', {
      location: { field: 'vectors' },
      hint: 'copy them into a Float32Array',
    });
  }
  if (vectors.length === 0 || vectors.length % dim !== 0) {
    throw new AdrankError('BAD_ARGUMENT', `ad vectors hold ${vectors.length} numbers, not a positive multiple of dim ${dim}`, {
      location: { field: 'vectors', value: String(vectors.length) },
      hint: 'pass N × D numbers for N ≥ 1 ads',
    });
  }
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) {
      const row = Math.floor(i / dim);
      throw new AdrankError('BAD_ARGUMENT', `ad vector ${row} has a non-finite value`, {
        location: { field: `vectors[${row}][${i % dim}]`, row, value: String(vectors[i]) },
        hint: 'check the ad tower output for NaN or infinite values',
      });
    }
  }
  return vectors.length / dim;
}

/** A query must be a Float32Array of length `dim` with finite values. */
export function checkQuery(query: unknown, dim: number): Float32Array {
  if (!(query instanceof Float32Array) || query.length !== dim) {
    const got = query instanceof Float32Array ? `length ${query.length}` : typeof query;
    throw new AdrankError('BAD_ARGUMENT', `the query must be a Float32Array of length ${dim}, got ${got}`, {
      location: { field: 'query', value: got },
      hint: `the index holds ${dim}-dimensional vectors: use the user tower of the same run`,
    });
  }
  for (let j = 0; j < dim; j++) {
    if (!Number.isFinite(query[j])) {
      throw new AdrankError('BAD_ARGUMENT', `the query has a non-finite value at ${j}`, {
        location: { field: `query[${j}]`, value: String(query[j]) },
        hint: 'check the user tower output for NaN or infinite values',
      });
    }
  }
  return query;
}

/** k must be a positive integer; it may exceed the number of vectors. */
export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new AdrankError('BAD_ARGUMENT', 'k must be a positive integer', {
      location: { field: 'k', value: String(k) },
      hint: 'ask for at least one result',
    });
  }
  return k;
}
