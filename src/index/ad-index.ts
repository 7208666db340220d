// The ad index: top-k inner-product search of a user vector against the frozen vectors of every ad.
// One interface for the exact scan and the approximate indexes, built from a config or loaded from a run.
//
// Results are views into the index's scratch buffers, valid until its next search: copy them (or finish
// with them) before searching again. A search is synchronous, so callers in one process never interleave.
//
// Legend: N rows, D dim, Q queries, K top-k.
import { AdrankError } from '../core/errors.js';
import { openArtifact } from './artifact.js';
import { parseIndexConfig, type IndexConfig, type IndexKind } from './config.js';
import { ExactIndex } from './exact.js';
import { HnswIndex, hnswParams } from './hnsw.js';
import { IvfIndex, ivfParams } from './ivf.js';
import type { TopK } from './top-k.js';
import { checkK, checkVectors } from './validate.js';

export type { TopK } from './top-k.js';
export type { IndexConfig, IndexKind } from './config.js';

export interface AdIndex {
  readonly kind: IndexKind;
  readonly size: number; // N vectors: rows 0..N-1 are catalogue rows (the caller maps rows to ad ids)
  readonly dim: number; //  D
  /** The best min(k, N) rows for `query` (D), by inner product, descending; a view valid until the next search. */
  search(query: Float32Array, k: number): TopK;
  /** Write the index to `dir` atomically (built at a temporary path, then renamed). */
  save(dir: string): Promise<void>;
  /** Release native resources; the index must not be used afterwards. */
  close(): void;
}

/**
 * Catalogues below this many ads use the exact scan under `{ kind: 'auto' }`, IVF from here on. Measured at k = 1000,
 * D = 64 (`npm run bench:index -- crossover`): the exact scan takes 0.8 ms at 10k ads and 1.4 ms at 20k (IVF 0.35 ms
 * at recall 0.97–0.98), 2.9 ms at 50k and 5.6 ms at 100k (IVF 0.6 ms). Below 20k an exact answer costs at most
 * about one millisecond more.
 */
export const AUTO_EXACT_BELOW = 20_000;

/** The index kind `auto` resolves to for N vectors. */
export function resolveKind(config: IndexConfig, n: number): IndexKind {
  if (config.kind !== 'auto') return config.kind;
  return n < (config.exactBelow ?? AUTO_EXACT_BELOW) ? 'exact' : 'ivf';
}

/**
 * Build an index over `vectors` (N, D), row-major. `config` is validated (unknown keys fail). The exact and IVF
 * indexes keep or copy the vectors as they need; the caller must not change `vectors` while an exact index uses them.
 */
export async function buildIndex(vectors: Float32Array, dim: number, config: IndexConfig): Promise<AdIndex> {
  const parsed = parseIndexConfig(config);
  const n = checkVectors(vectors, dim);
  switch (resolveKind(parsed, n)) {
    case 'exact':
      return new ExactIndex(vectors, dim);
    case 'ivf':
      return IvfIndex.build(vectors, dim, ivfParams(parsed.kind === 'ivf' ? parsed : { kind: 'ivf' }, n));
    case 'hnsw':
      return HnswIndex.build(vectors, dim, hnswParams(parsed.kind === 'hnsw' ? parsed : { kind: 'hnsw' }));
  }
}

export interface IndexExpectation {
  dim?: number; //  the user tower's output dimension
  size?: number; // the catalogue's number of ads
}

/** Load an index saved by `save`; a damaged directory, or one that does not match `expect`, is refused (BAD_ARTIFACT). */
export async function loadIndex(dir: string, expect: IndexExpectation = {}): Promise<AdIndex> {
  const artifact = await openArtifact(dir);
  const { kind, size, dim } = artifact.manifest;
  for (const [field, want, got] of [['dim', expect.dim, dim], ['size', expect.size, size]] as const) {
    if (want !== undefined && want !== got) {
      throw new AdrankError('BAD_ARTIFACT', `the index at ${dir} has ${field} ${got}, expected ${want}`, {
        location: { file: artifact.path('manifest.json'), field },
        hint: 'the index belongs to another run: rebuild it from this run\'s ad vectors',
      });
    }
  }
  switch (kind) {
    case 'exact':
      return ExactIndex.open(artifact);
    case 'ivf':
      return IvfIndex.open(artifact);
    case 'hnsw':
      return HnswIndex.open(artifact);
  }
}

export interface BatchTopK {
  rows: Int32Array; //   (Q, K) row q's results at q·K .. q·K + counts[q] - 1
  scores: Float32Array; // (Q, K)
  counts: Int32Array; //  (Q)
  k: number;
}

/** Search every query of `queries` (Q, D), for offline ranking of many requests; the result is owned by the caller. */
export function searchBatch(index: AdIndex, queries: Float32Array, k: number): BatchTopK {
  checkK(k);
  const q = Math.floor(queries.length / index.dim);
  if (q * index.dim !== queries.length) {
    throw new AdrankError('BAD_ARGUMENT', `queries hold ${queries.length} numbers, not a multiple of dim ${index.dim}`, {
      location: { field: 'queries', value: String(queries.length) },
      hint: 'pass Q × D numbers, row-major',
    });
  }
  const width = Math.min(k, index.size);
  const out: BatchTopK = { rows: new Int32Array(q * width), scores: new Float32Array(q * width), counts: new Int32Array(q), k: width };
  for (let i = 0; i < q; i++) {
    const top = index.search(queries.subarray(i * index.dim, (i + 1) * index.dim), k);
    out.rows.set(top.rows, i * width);
    out.scores.set(top.scores, i * width);
    out.counts[i] = top.count;
  }
  return out;
}
