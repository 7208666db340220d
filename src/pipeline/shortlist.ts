// The serving shortlist: what the index ranks ads by, so that the ~1000 ads it returns hold the ads the ranker would
// pick from the whole catalogue. The ranker picks by bid × pCTR × pCVR; the two-tower score alone knows neither bids
// nor conversions (measured on the medium world: the index's top 1000 by tower score held the all-ads top 5 in 0 of
// 300 requests). With kind 'revenue' the index ranks by an inner-product approximation of log expected revenue:
//
//   score(u, a) = α · tower(u)·v_a  +  q_a  +  γ · log(user's CTR in a's category / the category mean)
//
// where q_a is the ad's mean log(bid × pCTR × pCVR) over sampled requests, scored with the run's own calibrated
// models, and α, γ ≥ 0 are the least-squares fit of the rest of log expected revenue on the same requests (within
// each request). It stays one inner product: index vectors [α·v_a, q_a, γ·onehot(category_a)], queries
// [tower(u), 1, log ratios]. Kind 'tower' is the seed's retrieval: the tower score alone.
// Legend: A ads, O tower dim, C categories, S sampled requests.
import { AdrankError } from '../core/errors.js';
import type { RequestContext, UserProfile } from './tower-inputs.js';
import { FeatureEncoder } from '../features/encoder.js';
import { CandidateScorer } from './candidate-scorer.js';
import type { RunScorer } from './predict-run.js';

export interface Shortlist {
  kind: 'revenue' | 'tower';
  /** the tower's output width (O) and the index's vector width (O, or O + 1 + C) */
  towerDim: number;
  dim: number;
  towerWeight: number; // α
  categoryWeight: number; // γ
  categories: string[];
  /** how it was fitted: requests, ads scored per request, and the in-sample share of requests whose top 5 over every ad lies in the top `candidates` */
  fit: { requests: number; ads: number; candidates: number; coverage: number } | null;
}

export function towerShortlist(towerDim: number, categories: string[]): Shortlist {
  return { kind: 'tower', towerDim, dim: towerDim, towerWeight: 1, categoryWeight: 0, categories, fit: null };
}

/** The index vectors (A, dim) of a shortlist, from the ad tower's vectors (A, O), the prior q (A) and category codes (A; -1 unknown). */
export function shortlistVectors(s: Shortlist, adVectors: Float32Array, prior: Float64Array | null, categoryCode: Int32Array): Float32Array {
  if (s.kind === 'tower') return adVectors;
  const A = categoryCode.length;
  const O = s.towerDim;
  const out = new Float32Array(A * s.dim);
  for (let a = 0; a < A; a++) {
    const row = a * s.dim;
    for (let k = 0; k < O; k++) out[row + k] = s.towerWeight * adVectors[a * O + k];
    out[row + O] = prior![a];
    if (categoryCode[a] >= 0) out[row + O + 1 + categoryCode[a]] = s.categoryWeight;
  }
  return out;
}

/** The query (dim) of a user: the tower's vector (O), then 1 and the log ratios of the user's category CTRs to the means. */
export function shortlistQuery(s: Shortlist, towerVector: Float32Array, user: UserProfile, categoryMean: ArrayLike<number>, out = new Float32Array(s.dim)): Float32Array {
  if (towerVector.length !== s.towerDim) throw new AdrankError('BAD_ARTIFACT', `the user tower answers ${towerVector.length} numbers, the shortlist expects ${s.towerDim}`, { hint: 'build the run again' });
  out.set(towerVector);
  if (s.kind === 'tower') return out;
  out[s.towerDim] = 1;
  for (let c = 0; c < s.categories.length; c++) out[s.towerDim + 1 + c] = logRatio(user.categoryCtr[c], categoryMean[c]);
  return out;
}

function logRatio(ctr: number, mean: number): number {
  const r = Math.log(ctr / mean);
  return Number.isFinite(r) ? r : 0;
}

export interface ShortlistOptions {
  requests: readonly (RequestContext & { userId: number })[];
  /** ads per request scored by the ranking models at most (a sample of the catalogue above it) */
  maxPairs: number;
  candidates: number;
  seed: number;
}

export interface BuiltShortlist {
  shortlist: Shortlist;
  /** the ad prior q (A), for kind 'revenue' */
  prior: Float64Array | null;
  /** each ad's category among the shortlist's categories (A; -1 unknown) */
  categoryCode: Int32Array;
}

/** Fits the revenue shortlist on sampled requests; returns it with the ad prior q (A). */
export async function fitShortlist(scorer: RunScorer, adVectors: Float32Array, options: ShortlistOptions): Promise<BuiltShortlist> {
  const { catalog } = scorer;
  const categories = scorer.run.retrieval.categories;
  const A = catalog.adId.length;
  const O = adVectors.length / A;
  const C = categories.length;
  const categoryCode = Int32Array.from(catalog.category, (c) => categories.indexOf(c));
  const S = Math.max(1, Math.min(options.requests.length, Math.floor(options.maxPairs / A)));
  const requests = options.requests.slice(0, S);
  const userVectors = await scorer.userVectors(requests);
  // y[r, a] = log(bid × pCTR × pCVR); t[r, a] the tower score; g[r, a] the user's category log ratio
  const y = new Float64Array(S * A);
  const t = new Float64Array(S * A);
  const g = new Float64Array(S * A);
  const users = await Promise.all(requests.map((r) => scorer.user(r.userId)));
  // the ranker's own split models, every ad precomputed once, score each request's whole catalogue
  const { featureMap, models, calibration } = scorer.run;
  const encoder = new FeatureEncoder(featureMap);
  const ctr = await CandidateScorer.build(models.ctr, '', featureMap, encoder, catalog, categories, calibration.ctr, 2);
  const cvr = await CandidateScorer.build(models.cvr, models.cvr.kind === 'esmm' ? 'cvr.' : '', featureMap, encoder, catalog, categories, calibration.cvr, 2);
  const logBid = Float64Array.from(catalog.bid, Math.log);
  const BLOCK = 65_536; // candidates per call
  const TINY = 1e-30; // a float32 probability that underflowed to 0 would make the log −∞
  try {
    for (let r = 0; r < S; r++) {
      const user = users[r];
      const ratio = Float64Array.from(categories, (_, c) => logRatio(user.categoryCtr[c], scorer.users.categoryMean[c]));
      const ctrRequest = ctr.request(user, requests[r], scorer.users.categoryMean);
      const cvrRequest = cvr.request(user, requests[r], scorer.users.categoryMean);
      for (let from = 0; from < A; from += BLOCK) {
        const candidates = Int32Array.from({ length: Math.min(A, from + BLOCK) - from }, (_, i) => from + i);
        const pctr = (await ctr.score(ctrRequest, candidates, ctr.crossFeatures(user, candidates))).probs;
        const pcvr = (await cvr.score(cvrRequest, candidates, cvr.crossFeatures(user, candidates))).probs;
        for (let j = 0; j < candidates.length; j++) {
          const a = candidates[j];
          const i = r * A + a;
          y[i] = logBid[a] + Math.log(Math.max(pctr[j], TINY)) + Math.log(Math.max(pcvr[j], TINY));
          let dot = 0;
          for (let k = 0; k < O; k++) dot += userVectors[r * O + k] * adVectors[a * O + k];
          t[i] = dot;
          g[i] = categoryCode[a] >= 0 ? ratio[categoryCode[a]] : 0;
        }
      }
    }
  } finally {
    await ctr.release();
    await cvr.release();
  }
  const prior = new Float64Array(A);
  for (let r = 0; r < S; r++) for (let a = 0; a < A; a++) prior[a] += y[r * A + a] / S;
  // within each request: residual e = y − q − mean, regressed on the demeaned tower score and category ratio
  let stt = 0, sgg = 0, stg = 0, ste = 0, sge = 0;
  for (let r = 0; r < S; r++) {
    let me = 0, mt = 0, mg = 0;
    for (let a = 0; a < A; a++) {
      const i = r * A + a;
      me += y[i] - prior[a];
      mt += t[i];
      mg += g[i];
    }
    me /= A; mt /= A; mg /= A;
    for (let a = 0; a < A; a++) {
      const i = r * A + a;
      const e = y[i] - prior[a] - me, dt = t[i] - mt, dg = g[i] - mg;
      stt += dt * dt; sgg += dg * dg; stg += dt * dg; ste += dt * e; sge += dg * e;
    }
  }
  let [alpha, gamma] = solve2(stt, stg, sgg, ste, sge);
  if (alpha < 0 || gamma < 0) {
    // the constrained optimum lies on an edge: one weight at 0, the other fitted alone
    const onlyTower = stt > 0 ? Math.max(0, ste / stt) : 0;
    const onlyCategory = sgg > 0 ? Math.max(0, sge / sgg) : 0;
    const gainTower = onlyTower * ste, gainCategory = onlyCategory * sge; // the drop in squared error
    [alpha, gamma] = gainTower >= gainCategory ? [onlyTower, 0] : [0, onlyCategory];
  }
  const shortlist: Shortlist = { kind: 'revenue', towerDim: O, dim: O + 1 + C, towerWeight: alpha, categoryWeight: gamma, categories: [...categories], fit: null };
  // in-sample check: does the top `candidates` by the shortlist score hold each request's top 5 by y?
  const K = 5;
  const m = Math.min(options.candidates, A);
  let covered = 0;
  const score = new Float64Array(A);
  for (let r = 0; r < S; r++) {
    for (let a = 0; a < A; a++) score[a] = alpha * t[r * A + a] + prior[a] + gamma * g[r * A + a];
    const best = topIndices(y.subarray(r * A, (r + 1) * A), K);
    const threshold = kthLargest(score, m);
    if (best.every((a) => score[a] >= threshold)) covered++;
  }
  shortlist.fit = { requests: S, ads: A, candidates: m, coverage: covered / S };
  return { shortlist, prior, categoryCode };
}

function solve2(a: number, b: number, d: number, e: number, f: number): [number, number] {
  const det = a * d - b * b;
  if (!(Math.abs(det) > 1e-12 * (a * d + 1e-300))) return [a > 0 ? e / a : 0, 0];
  return [(d * e - b * f) / det, (a * f - b * e) / det];
}

function topIndices(values: Float64Array, k: number): number[] {
  return Array.from(values.keys()).sort((x, y) => values[y] - values[x]).slice(0, k);
}

function kthLargest(values: Float64Array, k: number): number {
  return Float64Array.from(values).sort()[values.length - k];
}
