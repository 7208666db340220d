// Inverted-file index (IVF, as in Jégou et al. and FAISS's IndexIVFFlat): k-means splits the ads into lists; a query
// ranks the lists and scans them best first, with the exact blocked scan, until it has scored `candidates` vectors,
// keeping the top k. The budget counts vectors, not lists, because k-means lists of ads are uneven (a few large-norm
// ads form lists of their own). A list is ranked by what its best member is likely to score, not by its mean:
//   q·c + ‖q‖ · ρ · √(2 ln n / D),
// c the list's centroid, ρ the RMS distance of its n members from it (the expected maximum of n Gaussian scores
// around q·c). The ranking is one more inner product: rows [c, ρ√(2 ln n / D)] against [q, ‖q‖].
// Vectors are stored list by list, so a probe reads one contiguous block. Scores are exact inner products; only the
// choice of which vectors to score is approximate. Building is synchronous and takes the calling thread.
//
// Legend: N rows, L lists, D dim, K top-k.
import { AdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { AdIndex } from './ad-index.js';
import { saveArtifact, writeArrays, type OpenedArtifact } from './artifact.js';
import type { IvfConfig } from './config.js';
import { assignToLists, trainKMeans } from './kmeans.js';
import { scanRows } from './scan.js';
import { TopKHeap, type TopK } from './top-k.js';
import { checkK, checkQuery } from './validate.js';

export interface IvfParams {
  lists: number;
  candidates: number; // vectors scanned per query (at least 2k): lists are probed best first until reached
  trainSample: number;
  iterations: number;
  seed: number;
}

/** Defaults for N vectors; the scan budget was chosen for recall@1000 ≥ 0.95 (bench/index.ts). */
export function ivfParams(config: IvfConfig, n: number): IvfParams {
  const lists = Math.min(n, config.lists ?? Math.max(1, Math.round(1.5 * Math.sqrt(n))));
  return {
    lists,
    candidates: Math.min(n, config.candidates ?? Math.ceil(CANDIDATES_PER_ROOT_N * Math.sqrt(n))),
    trainSample: Math.min(n, Math.max(lists, config.trainSample ?? 32 * lists)),
    iterations: config.iterations ?? 8,
    seed: config.seed ?? 1,
  };
}

interface IvfData {
  probe: Float32Array; //     (L, D+1) [centroid, spread bonus] of each list
  offsets: Int32Array; //     (L+1) list l holds positions offsets[l] .. offsets[l+1]-1
  rowIds: Int32Array; //      (N) catalogue row at each position
  vectors: Float32Array; //   (N, D) vectors in list order
}

/** Default scan budget c·√N: 7,600 vectors at 100k ads, 24,000 at 1M (bench/index.ts sweeps it). */
const CANDIDATES_PER_ROOT_N = 24;

const FILES = { probe: 'probe.f32', offsets: 'offsets.i32', rowIds: 'row-ids.i32', vectors: 'vectors.f32' } as const;

/** Group rows by list (a counting sort) and recompute each centroid as the mean of its members. */
function layout(vectors: Float32Array, dim: number, listOf: Int32Array, lists: number): IvfData {
  const n = listOf.length;
  const offsets = new Int32Array(lists + 1);
  for (let i = 0; i < n; i++) offsets[listOf[i] + 1]++;
  for (let l = 0; l < lists; l++) offsets[l + 1] += offsets[l];
  const fill = offsets.slice(0, lists);
  const rowIds = new Int32Array(n);
  const ordered = new Float32Array(n * dim);
  const sums = new Float64Array(lists * dim);
  for (let i = 0; i < n; i++) {
    const l = listOf[i];
    const p = fill[l]++;
    rowIds[p] = i;
    ordered.set(vectors.subarray(i * dim, (i + 1) * dim), p * dim);
    for (let j = 0; j < dim; j++) sums[l * dim + j] += vectors[i * dim + j];
  }
  const centroids = new Float32Array(lists * dim);
  for (let l = 0; l < lists; l++) {
    const count = offsets[l + 1] - offsets[l];
    for (let j = 0; j < dim; j++) centroids[l * dim + j] = count > 0 ? sums[l * dim + j] / count : 0;
  }
  return { probe: probeRows(centroids, dim, offsets, ordered), offsets, rowIds, vectors: ordered };
}

/** Rows (L, D+1): each list's centroid and its spread bonus ρ·√(2 ln n / D). */
function probeRows(centroids: Float32Array, dim: number, offsets: Int32Array, ordered: Float32Array): Float32Array {
  const lists = offsets.length - 1;
  const probe = new Float32Array(lists * (dim + 1));
  for (let l = 0; l < lists; l++) {
    const count = offsets[l + 1] - offsets[l];
    let sq = 0;
    for (let p = offsets[l]; p < offsets[l + 1]; p++) {
      for (let j = 0; j < dim; j++) {
        const r = ordered[p * dim + j] - centroids[l * dim + j];
        sq += r * r;
      }
    }
    probe.set(centroids.subarray(l * dim, (l + 1) * dim), l * (dim + 1));
    const rms = count > 0 ? Math.sqrt(sq / count) : 0;
    probe[l * (dim + 1) + dim] = rms * Math.sqrt((2 * Math.log(Math.max(2, count))) / dim);
  }
  return probe;
}

export class IvfIndex implements AdIndex {
  readonly kind = 'ivf';
  readonly size: number;
  readonly lists: number;
  private readonly heap = new TopKHeap();
  private readonly listHeap = new TopKHeap();
  private readonly probeQuery: Float32Array; // (D+1) [q, ‖q‖]

  private constructor(
    private readonly data: IvfData,
    readonly dim: number,
    readonly params: IvfParams,
  ) {
    this.size = data.rowIds.length;
    this.lists = data.offsets.length - 1;
    this.probeQuery = new Float32Array(dim + 1);
  }

  static build(vectors: Float32Array, dim: number, params: IvfParams): IvfIndex {
    const n = vectors.length / dim;
    const rng = new Rng(params.seed);
    const pick = rng.fork('sample').permutation(n).subarray(0, params.trainSample);
    const sample = new Float32Array(pick.length * dim);
    for (let i = 0; i < pick.length; i++) sample.set(vectors.subarray(pick[i] * dim, (pick[i] + 1) * dim), i * dim);
    const centroids = trainKMeans(sample, dim, params.lists, params.iterations, rng.fork('kmeans'));
    const listOf = assignToLists(vectors, dim, centroids, rng.fork('groups'));
    return new IvfIndex(layout(vectors, dim, listOf, params.lists), dim, params);
  }

  /** The same lists searched with another scan budget; shares the data. */
  withCandidates(candidates: number): IvfIndex {
    return new IvfIndex(this.data, this.dim, { ...this.params, candidates: Math.min(this.size, Math.max(1, candidates)) });
  }

  search(query: Float32Array, k: number): TopK {
    checkQuery(query, this.dim);
    const want = Math.min(checkK(k), this.size);
    // top-k sets of large k relative to N are spread over many lists: never scan fewer than 2k vectors
    const budget = Math.min(this.size, Math.max(2 * want, this.params.candidates));
    // enough lists for the budget at the average list size, with room for smaller lists; all of them if that falls short
    const guess = Math.min(this.lists, 16 + Math.ceil((4 * budget * this.lists) / this.size));
    let sq = 0;
    for (let j = 0; j < this.dim; j++) sq += query[j] * query[j];
    this.probeQuery.set(query);
    this.probeQuery[this.dim] = Math.sqrt(sq);
    this.heap.reset(want);
    const scanned = this.probe(query, guess, 0, budget);
    if (scanned < budget && guess < this.lists) this.probe(query, this.lists, guess, budget - scanned);
    return this.heap.finish();
  }

  /** Scan the lists ranked skip..lists-1 of the best `lists` centroids until `budget` vectors are scanned. */
  private probe(query: Float32Array, lists: number, skip: number, budget: number): number {
    const { probe, offsets, rowIds, vectors } = this.data;
    this.listHeap.reset(lists);
    scanRows(probe, this.dim + 1, this.probeQuery, 0, this.lists, null, this.listHeap);
    const ranked = this.listHeap.finish();
    let scanned = 0;
    for (let p = skip; p < ranked.count && scanned < budget; p++) {
      const l = ranked.rows[p];
      scanRows(vectors, this.dim, query, offsets[l], offsets[l + 1], rowIds, this.heap);
      scanned += offsets[l + 1] - offsets[l];
    }
    return scanned;
  }

  async save(dir: string): Promise<void> {
    const header = { kind: 'ivf' as const, size: this.size, dim: this.dim, params: { ...this.params } };
    const { probe, offsets, rowIds, vectors } = this.data;
    await saveArtifact(dir, header, (tmp) =>
      writeArrays(tmp, { [FILES.probe]: probe, [FILES.offsets]: offsets, [FILES.rowIds]: rowIds, [FILES.vectors]: vectors }),
    );
  }

  close(): void {}

  static async open(artifact: OpenedArtifact): Promise<IvfIndex> {
    const { size: n, dim, params } = artifact.manifest;
    const p = params as unknown as IvfParams;
    if (!(Number.isInteger(p.lists) && p.lists >= 1 && p.lists <= n && Number.isInteger(p.candidates) && p.candidates >= 1)) {
      throw badLayout(artifact, 'lists and candidates must be integers in range');
    }
    const data: IvfData = {
      probe: await artifact.float32(FILES.probe, p.lists * (dim + 1)),
      offsets: await artifact.int32(FILES.offsets, p.lists + 1),
      rowIds: await artifact.int32(FILES.rowIds, n),
      vectors: await artifact.float32(FILES.vectors, n * dim),
    };
    checkLayout(artifact, data, n);
    return new IvfIndex(data, dim, p);
  }
}

function badLayout(artifact: OpenedArtifact, message: string): AdrankError {
  return new AdrankError('BAD_ARTIFACT', `inconsistent IVF index: ${message}`, {
    location: { file: artifact.path('manifest.json') },
    hint: 'rebuild the index from the ad vectors',
  });
}

/** Offsets must run from 0 to N without going back, and row ids must be a permutation of 0..N-1. */
function checkLayout(artifact: OpenedArtifact, data: IvfData, n: number): void {
  const { offsets, rowIds } = data;
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== n) throw badLayout(artifact, 'list offsets do not cover every vector');
  for (let l = 1; l < offsets.length; l++) if (offsets[l] < offsets[l - 1]) throw badLayout(artifact, 'list offsets decrease');
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rowIds[i];
    if (!(r >= 0 && r < n) || seen[r]) throw badLayout(artifact, 'row ids are not a permutation of the catalogue rows');
    seen[r] = 1;
  }
}
