// k-means (Lloyd's algorithm, squared L2) for the inverted-file index: trained on a random sample, then every
// vector is assigned to its nearest centroid. The nearest centroid maximises x·c − ½‖c‖², so centroids are
// stored augmented as [c, −½‖c‖²] and a point as [x, 1], and the shared blocked scan finds the best one.
// Assigning a million vectors to every centroid is the slow part of a build, so assignment goes through a
// two-level tree: √L groups of centroids, and a point is compared only with the centroids of its best groups.
//
// Legend: N rows, S sample rows, L lists (centroids), G groups, D dim.
import type { Rng } from '../core/rng.js';
import { scanRows } from './scan.js';
import { TopKHeap } from './top-k.js';

/** Centroids (L, D) augmented to (L, D+1) with −½‖c‖² in the last column. */
export function augment(centroids: Float32Array, dim: number): Float32Array {
  const lists = centroids.length / dim;
  const out = new Float32Array(lists * (dim + 1));
  for (let c = 0; c < lists; c++) {
    let sq = 0;
    for (let j = 0; j < dim; j++) {
      const v = centroids[c * dim + j];
      out[c * (dim + 1) + j] = v;
      sq += v * v;
    }
    out[c * (dim + 1) + dim] = -0.5 * sq;
  }
  return out;
}

/** Nearest centroids by squared L2, against augmented centroids (L, D+1); `point` is (D+1) with a trailing 1. */
class Nearest {
  private readonly heap = new TopKHeap(1);
  constructor(
    readonly augmented: Float32Array,
    readonly dim: number,
  ) {}

  /** The `count` nearest among rows from..to-1 (or among `members`, when given) into `out`. */
  best(point: Float32Array, count: number, from: number, to: number, members: Int32Array | null, out: Int32Array): void {
    this.heap.reset(Math.min(count, to - from));
    scanRows(this.augmented, this.dim + 1, point, from, to, members, this.heap);
    const top = this.heap.finish();
    out.set(top.rows);
  }
}

/** Lloyd iterations on `sample` (S, D) from `lists` random starting points; an empty list restarts at a random point. */
export function trainKMeans(sample: Float32Array, dim: number, lists: number, iterations: number, rng: Rng): Float32Array {
  const s = sample.length / dim;
  const centroids = new Float32Array(lists * dim);
  const start = rng.permutation(s);
  for (let c = 0; c < lists; c++) centroids.set(sample.subarray(start[c] * dim, (start[c] + 1) * dim), c * dim);
  const sums = new Float64Array(lists * dim);
  const counts = new Int32Array(lists);
  const point = new Float32Array(dim + 1);
  const nearest = new Int32Array(1);
  for (let it = 0; it < iterations; it++) {
    const finder = new Nearest(augment(centroids, dim), dim);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < s; i++) {
      point.set(sample.subarray(i * dim, (i + 1) * dim));
      point[dim] = 1;
      finder.best(point, 1, 0, lists, null, nearest);
      const c = nearest[0];
      counts[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += point[j];
    }
    for (let c = 0; c < lists; c++) {
      if (counts[c] === 0) {
        const row = rng.int(s);
        centroids.set(sample.subarray(row * dim, (row + 1) * dim), c * dim);
        continue;
      }
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j] / counts[c];
    }
  }
  return centroids;
}

/** Assign every row of `vectors` (N, D) to a centroid of `centroids` (L, D); returns (N) list numbers. */
export function assignToLists(vectors: Float32Array, dim: number, centroids: Float32Array, rng: Rng): Int32Array {
  const lists = centroids.length / dim;
  const groups = Math.max(1, Math.round(Math.sqrt(lists)));
  const groupProbes = Math.min(groups, 4);
  const groupOf = lists <= 64 ? new Int32Array(lists) : nearestAll(centroids, dim, trainKMeans(centroids, dim, groups, 6, rng));
  // members of each group, contiguous: group g owns memberRows[groupStart[g] .. groupStart[g+1])
  const groupStart = new Int32Array(groups + 1);
  for (let c = 0; c < lists; c++) groupStart[groupOf[c] + 1]++;
  for (let g = 0; g < groups; g++) groupStart[g + 1] += groupStart[g];
  const fill = groupStart.slice(0, groups);
  const members = new Int32Array(lists);
  for (let c = 0; c < lists; c++) members[fill[groupOf[c]]++] = c;
  const memberCentroids = augment(gather(centroids, dim, members), dim);
  const groupCentroids = augment(groupMeans(centroids, dim, groupOf, groups), dim);
  const byGroup = new Nearest(groupCentroids, dim);
  const byMember = new Nearest(memberCentroids, dim);
  const n = vectors.length / dim;
  const out = new Int32Array(n);
  const point = new Float32Array(dim + 1);
  const bestGroups = new Int32Array(groupProbes);
  const heap = new TopKHeap(1);
  for (let i = 0; i < n; i++) {
    point.set(vectors.subarray(i * dim, (i + 1) * dim));
    point[dim] = 1;
    byGroup.best(point, groupProbes, 0, groups, null, bestGroups);
    heap.reset(1);
    for (let p = 0; p < groupProbes; p++) {
      const g = bestGroups[p];
      scanRows(byMember.augmented, dim + 1, point, groupStart[g], groupStart[g + 1], members, heap);
    }
    const found = heap.finish();
    // only when every probed group is empty: fall back to all centroids
    out[i] = found.count > 0 ? found.rows[0] : members[fullScan(byMember, point, lists)];
  }
  return out;
}

function fullScan(finder: Nearest, point: Float32Array, lists: number): number {
  const nearest = new Int32Array(1);
  finder.best(point, 1, 0, lists, null, nearest);
  return nearest[0];
}

/** Nearest centroid of each row of `vectors` (N, D), by a full scan of `centroids` (L, D). */
export function nearestAll(vectors: Float32Array, dim: number, centroids: Float32Array): Int32Array {
  const finder = new Nearest(augment(centroids, dim), dim);
  const lists = centroids.length / dim;
  const n = vectors.length / dim;
  const out = new Int32Array(n);
  const point = new Float32Array(dim + 1);
  const nearest = new Int32Array(1);
  for (let i = 0; i < n; i++) {
    point.set(vectors.subarray(i * dim, (i + 1) * dim));
    point[dim] = 1;
    finder.best(point, 1, 0, lists, null, nearest);
    out[i] = nearest[0];
  }
  return out;
}

function gather(matrix: Float32Array, dim: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(matrix.subarray(rows[i] * dim, (rows[i] + 1) * dim), i * dim);
  return out;
}

function groupMeans(centroids: Float32Array, dim: number, groupOf: Int32Array, groups: number): Float32Array {
  const sums = new Float64Array(groups * dim);
  const counts = new Int32Array(groups);
  for (let c = 0; c < groupOf.length; c++) {
    counts[groupOf[c]]++;
    for (let j = 0; j < dim; j++) sums[groupOf[c] * dim + j] += centroids[c * dim + j];
  }
  return Float32Array.from(sums, (v, i) => v / Math.max(1, counts[Math.floor(i / dim)]));
}
