// HNSW graph index (Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using Hierarchical
// Navigable Small World graphs") through usearch. Inner products of vectors with unequal norms make a poor graph, so
// the search is reduced to nearest neighbours (Bachrach et al., "Speeding up the Xbox recommender system using a
// Euclidean transformation for inner-product spaces"): an ad x becomes [x, √(M² − ‖x‖²)], M the largest norm, the
// query [q, 0], and the nearest ads by L2 are those of highest q·x. The graph proposes max(k, ef) candidates; they
// are re-scored with the shared float32 dot product, so scores and tie order match the exact index. When the graph
// returns fewer than k, or fewer than N on a catalogue no larger than ef, the query falls back to the exact scan.
//
// Legend: N rows, D dim, E = D + 1 augmented dim, K top-k.
import { join } from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { AdrankError, assert } from '../core/errors.js';
import type { AdIndex } from './ad-index.js';
import { saveArtifact, writeArrays, type OpenedArtifact } from './artifact.js';
import type { HnswConfig } from './config.js';
import { dot, scanRows } from './scan.js';
import { TopKHeap, type TopK } from './top-k.js';
import { checkK, checkQuery } from './validate.js';

export interface HnswParams {
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  threads: number;
}

export function hnswParams(config: HnswConfig): HnswParams {
  return {
    connectivity: config.connectivity ?? 16,
    expansionAdd: config.expansionAdd ?? 128,
    expansionSearch: config.expansionSearch ?? 4000,
    threads: config.threads ?? 0,
  };
}

const GRAPH = 'graph.usearch';
const VECTORS = 'vectors.f32';

/** Ads (N, D) → (N, E) with the extra coordinate √(M² − ‖x‖²). */
function augmentForL2(vectors: Float32Array, dim: number): Float32Array {
  const n = vectors.length / dim;
  const norms = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += vectors[i * dim + j] * vectors[i * dim + j];
    norms[i] = s;
    if (s > max) max = s;
  }
  const out = new Float32Array(n * (dim + 1));
  for (let i = 0; i < n; i++) {
    out.set(vectors.subarray(i * dim, (i + 1) * dim), i * (dim + 1));
    out[i * (dim + 1) + dim] = Math.sqrt(max - norms[i]);
  }
  return out;
}

function newGraph(dim: number, params: HnswParams): Index {
  return new Index({
    dimensions: dim + 1,
    metric: MetricKind.L2sq,
    quantization: ScalarKind.F32,
    connectivity: params.connectivity,
    expansion_add: params.expansionAdd,
    // usearch searches with max(this, number of results asked); asking for ef results sets ef per query
    expansion_search: 16,
    multi: false,
  });
}

export class HnswIndex implements AdIndex {
  readonly kind = 'hnsw';
  readonly size: number;
  private readonly heap = new TopKHeap();
  private readonly augmentedQuery: Float32Array; // (E) [q, 0]
  private closed = false;
  /** Searches answered by the exact scan because the graph returned too few candidates. */
  exactFallbacks = 0;

  private constructor(
    private readonly graph: Index,
    private readonly vectors: Float32Array, // (N, D) for re-scoring
    readonly dim: number,
    readonly params: HnswParams,
  ) {
    this.size = vectors.length / dim;
    this.augmentedQuery = new Float32Array(dim + 1);
  }

  static build(vectors: Float32Array, dim: number, params: HnswParams): HnswIndex {
    const n = vectors.length / dim;
    const graph = newGraph(dim, params);
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(i);
    graph.add(keys, augmentForL2(vectors, dim), params.threads);
    return new HnswIndex(graph, vectors, dim, params);
  }

  /** The same graph searched with another ef; shares the graph and vectors. */
  withExpansionSearch(expansionSearch: number): HnswIndex {
    return new HnswIndex(this.graph, this.vectors, this.dim, { ...this.params, expansionSearch: Math.max(1, expansionSearch) });
  }

  search(query: Float32Array, k: number): TopK {
    assert(!this.closed, 'search on a closed HNSW index');
    checkQuery(query, this.dim);
    const want = Math.min(checkK(k), this.size);
    this.augmentedQuery.set(query);
    const ask = Math.min(this.size, Math.max(want, this.params.expansionSearch));
    const found = this.graph.search(this.augmentedQuery, ask, 1);
    this.heap.reset(want);
    for (let i = 0; i < found.keys.length; i++) {
      const row = Number(found.keys[i]);
      this.heap.push(dot(this.vectors, row, query, this.dim), row);
    }
    // the graph can miss nodes (its build is multi-threaded, so this varies): when it returns fewer than k, or fewer
    // than all N although ef ≥ N, the exact scan answers, at no more than ef dot products in the second case
    if (found.keys.length < want || (ask === this.size && found.keys.length < ask)) {
      this.exactFallbacks++;
      this.heap.reset(want);
      scanRows(this.vectors, this.dim, query, 0, this.size, null, this.heap);
    }
    return this.heap.finish();
  }

  async save(dir: string): Promise<void> {
    const header = { kind: 'hnsw' as const, size: this.size, dim: this.dim, params: { ...this.params } };
    await saveArtifact(dir, header, async (tmp) => {
      this.graph.save(join(tmp, GRAPH));
      return [GRAPH, ...(await writeArrays(tmp, { [VECTORS]: this.vectors }))];
    });
  }

  close(): void {
    this.closed = true;
  }

  /** The graph is memory-mapped (usearch `view`), not read into memory. */
  static async open(artifact: OpenedArtifact): Promise<HnswIndex> {
    const { size, dim, params } = artifact.manifest;
    const p = hnswParams({ kind: 'hnsw', ...(params as Partial<HnswParams>) });
    const vectors = await artifact.float32(VECTORS, size * dim);
    const graph = newGraph(dim, p);
    try {
      graph.view(artifact.path(GRAPH));
    } catch (e) {
      throw new AdrankError('BAD_ARTIFACT', `the HNSW graph could not be opened: ${(e as Error).message}`, {
        location: { file: artifact.path(GRAPH) },
        hint: 'rebuild the index from the ad vectors',
      });
    }
    if (graph.size() !== size || graph.dimensions() !== dim + 1) {
      throw new AdrankError('BAD_ARTIFACT', `the HNSW graph holds ${graph.size()} vectors of dim ${graph.dimensions()}, expected ${size} of ${dim + 1}`, {
        location: { file: artifact.path(GRAPH) },
        hint: 'rebuild the index from the ad vectors',
      });
    }
    return new HnswIndex(graph, vectors, dim, p);
  }
}
