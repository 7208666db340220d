// Does a narrower vector type speed up the exact scan in plain JavaScript? Scores 1M × 64 ads against one query
// with the float32 blocked scan of src/index/scan.ts and with the same loop over int8 codes (per-dimension scale,
// integer sums), both without selection, best of 5 rounds. A 1M × 64 float32 matrix is 256 MB, int8 is 64 MB.
// Run: npm run build && node dist/bench/index-dtypes.js
import { makeVectorWorld } from '../src/index/testing/ad-vectors.js';
import { peakRssMb, report, round } from './measure.js';

const N = 1_000_000;
const D = 64;

function scanFloat32(matrix: Float32Array, query: Float32Array, out: Float32Array): void {
  for (let i = 0; i + 4 <= N; i += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const o0 = i * D, o1 = o0 + D, o2 = o1 + D, o3 = o2 + D;
    for (let j = 0; j < D; j++) {
      const w = query[j];
      s0 += w * matrix[o0 + j];
      s1 += w * matrix[o1 + j];
      s2 += w * matrix[o2 + j];
      s3 += w * matrix[o3 + j];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
}

function scanInt8(codes: Int8Array, query: Int32Array, out: Float32Array): void {
  for (let i = 0; i + 4 <= N; i += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const o0 = i * D, o1 = o0 + D, o2 = o1 + D, o3 = o2 + D;
    for (let j = 0; j < D; j++) {
      const w = query[j];
      s0 = (s0 + w * codes[o0 + j]) | 0;
      s1 = (s1 + w * codes[o1 + j]) | 0;
      s2 = (s2 + w * codes[o2 + j]) | 0;
      s3 = (s3 + w * codes[o3 + j]) | 0;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
}

/** int8 codes with one scale per dimension (max |x_j| → 127); the query is folded with the scales into int32. */
function quantise(ads: Float32Array, query: Float32Array): { codes: Int8Array; q: Int32Array } {
  const scale = new Float64Array(D);
  for (let i = 0; i < ads.length; i++) scale[i % D] = Math.max(scale[i % D], Math.abs(ads[i]));
  const codes = new Int8Array(ads.length);
  for (let i = 0; i < ads.length; i++) codes[i] = Math.round((127 * ads[i]) / scale[i % D]);
  let qMax = 0;
  for (let j = 0; j < D; j++) qMax = Math.max(qMax, Math.abs(query[j] * scale[j]));
  return { codes, q: Int32Array.from(query, (v, j) => Math.round((127 * v * scale[j]) / qMax)) };
}

function millis(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

const w = makeVectorWorld({ ads: N, queries: 1, dim: D, clusters: 200, seed: 2024 });
const query = w.queries.subarray(0, D);
const { codes, q } = quantise(w.ads, query);
const out = new Float32Array(N);
// alternate the two so both see the same machine load
let f32 = Infinity, i8 = Infinity;
for (let r = 0; r < 5; r++) {
  f32 = Math.min(f32, millis(() => scanFloat32(w.ads, query, out)));
  i8 = Math.min(i8, millis(() => scanInt8(codes, q, out)));
}
report({ bench: 'index-scan-dtype', n: N, dim: D, float32Ms: round(f32, 1), int8Ms: round(i8, 1), float32Bytes: N * D * 4, int8Bytes: N * D, bestOf: 5, peakRssMb: peakRssMb() });
