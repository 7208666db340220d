// Seeded ad and user vectors shaped like a trained two-tower model's, for the index tests and benchmarks:
// ads clustered by category around centroids that share a few dominant directions, with log-normal norms
// (popular ads score higher against everyone); users drawn from a different distribution, each mixing the
// centroids of a few categories they like. Isotropic Gaussians would make an ANN index look too easy or too hard.
//
// Shapes: N ads, Q queries, D dim, C clusters. All matrices are row-major Float32Array.
import { Rng } from '../../core/rng.js';

export interface VectorWorldSpec {
  ads: number; //            N
  queries: number; //        Q
  dim: number; //            D
  clusters: number; //       C categories (Zipf-sized)
  seed: number;
}

export interface VectorWorld {
  spec: VectorWorldSpec;
  ads: Float32Array; //      (N, D)
  queries: Float32Array; //  (Q, D)
  clusterOf: Int32Array; //  (N) the category each ad was drawn from
}

/** Variance of the centroids along each axis: a power-law spectrum, so a few directions dominate. */
function spectrum(dim: number): Float64Array {
  const scale = new Float64Array(dim);
  for (let j = 0; j < dim; j++) scale[j] = 1 / Math.sqrt(1 + j / 2);
  return scale;
}

/** C centroids (C, D): a shared offset (what every ad has in common) plus a per-category part. */
function centroids(rng: Rng, clusters: number, dim: number): Float32Array {
  const scale = spectrum(dim);
  const shared = new Float64Array(dim);
  for (let j = 0; j < dim; j++) shared[j] = 0.4 * rng.normal() * scale[j];
  const out = new Float32Array(clusters * dim);
  for (let c = 0; c < clusters; c++) {
    for (let j = 0; j < dim; j++) out[c * dim + j] = shared[j] + rng.normal() * scale[j];
  }
  return out;
}

/** Zipf-like category weights: the first categories hold most ads. */
function clusterWeights(clusters: number): Float64Array {
  const w = new Float64Array(clusters);
  for (let c = 0; c < clusters; c++) w[c] = 1 / Math.pow(c + 1, 0.8);
  return w;
}

function normalizeInto(out: Float32Array, offset: number, v: Float64Array, norm: number): void {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const f = norm / Math.sqrt(s || 1);
  for (let j = 0; j < v.length; j++) out[offset + j] = v[j] * f;
}

/**
 * Ads spread around their category's centroid along the same dominant directions (trained embeddings have a low
 * effective rank), with a small isotropic floor; each ad's norm is log-normal (its popularity).
 */
function drawAds(rng: Rng, spec: VectorWorldSpec, centre: Float32Array): { ads: Float32Array; clusterOf: Int32Array } {
  const { ads: n, dim } = spec;
  const weights = clusterWeights(spec.clusters);
  const scale = spectrum(dim);
  const ads = new Float32Array(n * dim);
  const clusterOf = new Int32Array(n);
  const v = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    const c = rng.categorical(weights);
    clusterOf[i] = c;
    for (let j = 0; j < dim; j++) v[j] = centre[c * dim + j] + (0.5 * scale[j] + 0.1) * rng.normal();
    normalizeInto(ads, i * dim, v, Math.exp(0.5 * rng.normal())); // popularity: log-normal norm
  }
  return { ads, clusterOf };
}

/** Users like 1–3 categories (popular ones more often), plus their own taste; norms vary less than ads'. */
function drawQueries(rng: Rng, spec: VectorWorldSpec, centre: Float32Array): Float32Array {
  const { queries: q, dim } = spec;
  const weights = clusterWeights(spec.clusters);
  const scale = spectrum(dim);
  const out = new Float32Array(q * dim);
  const v = new Float64Array(dim);
  for (let u = 0; u < q; u++) {
    v.fill(0);
    const liked = 1 + rng.int(3);
    for (let l = 0; l < liked; l++) {
      const c = rng.categorical(weights);
      const share = 0.5 + rng.next();
      for (let j = 0; j < dim; j++) v[j] += share * centre[c * dim + j];
    }
    for (let j = 0; j < dim; j++) v[j] += (0.6 * scale[j] + 0.1) * rng.normal();
    normalizeInto(out, u * dim, v, Math.exp(0.25 * rng.normal()));
  }
  return out;
}

/** A deterministic world of ad vectors and user queries for a seed. */
export function makeVectorWorld(spec: VectorWorldSpec): VectorWorld {
  const rng = new Rng(spec.seed);
  const centre = centroids(rng.fork('centroids'), spec.clusters, spec.dim);
  const { ads, clusterOf } = drawAds(rng.fork('ads'), spec, centre);
  const queries = drawQueries(rng.fork('queries'), spec, centre);
  return { spec, ads, queries, clusterOf };
}
