// k-means (Lloyd's algorithm, squared L2) for the inverted-file index: trained on a random sample, then every
// vector is assigned to its nearest centroid. The nearest centroid maximises x·c − ½‖c‖², so centroids are
// stored augmented as [c, −½‖c‖²] and a point as [x, 1], and the shared blocked scan finds the best one.
// Comparing every point with every centroid would be the slow part of a build, so assignment (in each Lloyd
// iteration and at the end) goes through a two-level tree: 2·√L groups of centroids, and a point is compared only
// with the centroids of its 4 nearest groups (on test vectors 98–99% of points get their exact nearest centroid).
//
// Legend: N rows, S sample rows, L lists (centroids), G groups, D dim.
import type { Rng } from '../core/rng.js';
import { argmaxRow, dot, scanRows } from './scan.js';
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

/** Copy row `row` of `vectors` (N, D) into `point` (D+1) and set the trailing 1. */
function loadPoint(vectors: Float32Array, dim: number, row: number, point: Float32Array): void {
  const o = row * dim;
  for (let j = 0; j < dim; j++) point[j] = vectors[o + j];
  point[dim] = 1;
}

/** Below this many centroids a full scan is as cheap as the two-level tree. */
const GROUPED_ABOVE = 64;

/**
 * Lloyd iterations on `sample` (S, D) from `lists` random starting points; an empty list restarts at a random point.
 * Points are assigned through the same two-level tree as the final assignment, so an iteration costs ~√L dot
 * products per point instead of L.
 */
export function trainKMeans(sample: Float32Array, dim: number, lists: number, iterations: number, rng: Rng): Float32Array {
  const s = sample.length / dim;
  const centroids = new Float32Array(lists * dim);
  const start = rng.permutation(s);
  for (let c = 0; c < lists; c++) centroids.set(sample.subarray(start[c] * dim, (start[c] + 1) * dim), c * dim);
  const sums = new Float64Array(lists * dim);
  const counts = new Int32Array(lists);
  for (let it = 0; it < iterations; it++) {
    const listOf = assignToLists(sample, dim, centroids, rng);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < s; i++) {
      const c = listOf[i];
      counts[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += sample[i * dim + j];
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

const GROUP_PROBES = 4;

/** Assign every row of `vectors` (N, D) to a centroid of `centroids` (L, D); returns (N) list numbers. */
export function assignToLists(vectors: Float32Array, dim: number, centroids: Float32Array, rng: Rng): Int32Array {
  const lists = centroids.length / dim;
  if (lists <= GROUPED_ABOVE) return nearestAll(vectors, dim, centroids);
  const groups = Math.round(2 * Math.sqrt(lists));
  const groupOf = nearestAll(centroids, dim, trainKMeans(centroids, dim, groups, 6, rng));
  // the centroids of group g are rows groupStart[g] .. groupStart[g+1]-1 of `byMember`; members maps them back
  const groupStart = new Int32Array(groups + 1);
  for (let c = 0; c < lists; c++) groupStart[groupOf[c] + 1]++;
  for (let g = 0; g < groups; g++) groupStart[g + 1] += groupStart[g];
  const fill = groupStart.slice(0, groups);
  const members = new Int32Array(lists);
  for (let c = 0; c < lists; c++) members[fill[groupOf[c]]++] = c;
  const byMember = augment(gather(centroids, dim, members), dim);
  const byGroup = augment(groupMeans(centroids, dim, groupOf, groups), dim);
  const n = vectors.length / dim;
  const out = new Int32Array(n);
  const point = new Float32Array(dim + 1);
  const groupHeap = new TopKHeap(GROUP_PROBES);
  for (let i = 0; i < n; i++) {
    loadPoint(vectors, dim, i, point);
    groupHeap.reset(Math.min(GROUP_PROBES, groups));
    scanRows(byGroup, dim + 1, point, 0, groups, null, groupHeap);
    const best = groupHeap.finish();
    let found = -1;
    let foundScore = -Infinity;
    for (let p = 0; p < best.count; p++) {
      const g = best.rows[p];
      const at = argmaxRow(byMember, dim + 1, point, groupStart[g], groupStart[g + 1]);
      if (at < 0) continue; // an empty group
      const score = dot(byMember, at, point, dim + 1);
      if (score > foundScore) {
        found = at;
        foundScore = score;
      }
    }
    // only when every probed group is empty: all centroids
    out[i] = members[found >= 0 ? found : argmaxRow(byMember, dim + 1, point, 0, lists)];
  }
  return out;
}

/** Nearest centroid of each row of `vectors` (N, D), by a full scan of `centroids` (L, D). */
export function nearestAll(vectors: Float32Array, dim: number, centroids: Float32Array): Int32Array {
  const augmented = augment(centroids, dim);
  const lists = centroids.length / dim;
  const n = vectors.length / dim;
  const out = new Int32Array(n);
  const point = new Float32Array(dim + 1);
  for (let i = 0; i < n; i++) {
    loadPoint(vectors, dim, i, point);
    out[i] = argmaxRow(augmented, dim + 1, point, 0, lists);
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
