// Index configuration: a strict discriminated union on `kind`, validated once (unknown keys and wrong types fail
// with the path of the field) and frozen. Parameters left out are chosen at build time from the catalogue size.
import { AdrankError } from '../core/errors.js';

/** Exact scan of every vector: the ground truth. */
export interface ExactConfig {
  kind: 'exact';
}

/** Inverted file: k-means lists, a query scans the vectors of the lists whose centroids score highest. */
export interface IvfConfig {
  kind: 'ivf';
  lists?: number; //        number of k-means lists (default ≈ 1.5·√N)
  candidates?: number; //   vectors scanned per query (≥ k)
  trainSample?: number; //  vectors the k-means is trained on
  iterations?: number; //   k-means iterations
  seed?: number;
}

/** HNSW graph (usearch). */
export interface HnswConfig {
  kind: 'hnsw';
  connectivity?: number; //    M: edges per node
  expansionAdd?: number; //    efConstruction
  expansionSearch?: number; // ef at query time (raised to k when k is larger)
  threads?: number; //         build threads (0: all cores)
}

/** Exact below `exactBelow` vectors, the default approximate index at or above it. */
export interface AutoConfig {
  kind: 'auto';
  exactBelow?: number;
}

export type IndexConfig = ExactConfig | IvfConfig | HnswConfig | AutoConfig;
export type IndexKind = 'exact' | 'ivf' | 'hnsw';

function fail(path: string, message: string, hint: string): never {
  throw new AdrankError('BAD_CONFIG', `${path}: ${message}`, { location: { field: path }, hint });
}

function readFields(record: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, 'unknown key', `allowed keys: ${allowed.join(', ')}`);
  }
}

function optionalInt(record: Record<string, unknown>, key: string, path: string, min: number): number | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(`${path}.${key}`, `expected an integer ≥ ${min}`, 'fix the value or leave it out for the default');
  }
  return value;
}

const FIELDS = {
  exact: ['kind'],
  ivf: ['kind', 'lists', 'candidates', 'trainSample', 'iterations', 'seed'],
  hnsw: ['kind', 'connectivity', 'expansionAdd', 'expansionSearch', 'threads'],
  auto: ['kind', 'exactBelow'],
} as const;

/** Validate an index config read from JSON or code; returns a frozen copy. */
export function parseIndexConfig(value: unknown, path = 'index'): IndexConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object', 'e.g. { "kind": "auto" }');
  const record = value as Record<string, unknown>;
  const kind = record.kind;
  if (kind !== 'exact' && kind !== 'ivf' && kind !== 'hnsw' && kind !== 'auto') {
    fail(`${path}.kind`, `unknown index kind ${JSON.stringify(kind)}`, 'one of: auto, exact, ivf, hnsw');
  }
  readFields(record, path, FIELDS[kind]);
  const int = (key: string, min: number) => optionalInt(record, key, path, min);
  let config: IndexConfig;
  switch (kind) {
    case 'exact':
      config = { kind };
      break;
    case 'ivf':
      config = { kind, lists: int('lists', 1), candidates: int('candidates', 1), trainSample: int('trainSample', 1), iterations: int('iterations', 0), seed: int('seed', 0) };
      break;
    case 'hnsw':
      config = { kind, connectivity: int('connectivity', 2), expansionAdd: int('expansionAdd', 1), expansionSearch: int('expansionSearch', 1), threads: int('threads', 0) };
      break;
    case 'auto':
      config = { kind, exactBelow: int('exactBelow', 1) };
      break;
  }
  return Object.freeze(dropUndefined(config));
}

function dropUndefined<T extends object>(config: T): T {
  for (const key of Object.keys(config) as (keyof T)[]) if (config[key] === undefined) delete config[key];
  return config;
}
