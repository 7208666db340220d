// The request path, one code path for the CLI and the server: the user's online features → the user tower → the
// ad index's top N (ranked by the run's shortlist score, see pipeline/shortlist.ts) → CTR and CVR on the candidates (split DLRMs: shared parts computed once) → calibration →
// expected revenue bid × pCTR × pCVR → filters → top K. An unknown user takes the cold path (the OOV rows and
// the fallback aggregates) and is flagged, never an error; when the feature store fails the request is answered
// from the same fallback features and flagged degraded.
// Legend: A ads, N candidates from the index, K answers, O vector dim, C categories.
import * as ort from 'onnxruntime-node';
import { AdrankError, isAdrankError } from '../core/errors.js';
import { createSession } from '../engine/onnx/runner.js';
import { FeatureEncoder } from '../features/encoder.js';
import type { AdIndex } from '../index/ad-index.js';
import type { OnlineFeatureStore } from '../features/online/store.js';
import type { LoadedRun } from '../pipeline/load-run.js';
import { encodeTower, unknownUser, userCategoryBlock, userRow, type AdCatalog, type RequestContext, type UserProfile } from '../pipeline/tower-inputs.js';
import { int64Words } from '../engine/dtype.js';
import { CandidateScorer } from '../pipeline/candidate-scorer.js';
import type { UserSource } from '../pipeline/store-users.js';
import { shortlistQuery } from '../pipeline/shortlist.js';

export interface RankRequest extends RequestContext {
  userId: number;
  k?: number;
  excludeAdIds?: readonly number[];
  maxPerAdvertiser?: number;
  explain?: boolean;
}

export interface RankedAd {
  adId: number;
  rank: number;
  /** expected revenue per impression: bid × pCTR × pCVR */
  score: number;
  pctr: number;
  pcvr: number;
  bid: number;
  advertiserId: number;
  category: string;
}

export interface RankResponse {
  ads: RankedAd[];
  userKnown: boolean;
  degraded: boolean;
  runId: string;
  /** milliseconds per stage of this request */
  stageMs: Record<string, number>;
  candidateCount: number;
  explain?: {
    timingsMs: Record<string, number>;
    candidates: number;
    user: UserProfile extends infer U ? Omit<U, 'convertedAdvertisers' | 'categoryCtr' | 'categoryImpressions' | 'categoryConverted'> : never;
    rows: { adId: number; ctrLogit: number; cvrLogit: number; pctr: number; pcvr: number; score: number }[];
  };
}


export interface RankerOptions {
  candidates: number;
  threads: number;
}

export const DEFAULT_RANKER: RankerOptions = { candidates: 1000, threads: 1 };

export class Ranker {
  private readonly adRowOf = new Map<number, number>();

  private constructor(
    readonly run: LoadedRun,
    private readonly catalog: AdCatalog,
    private readonly encoder: FeatureEncoder,
    private readonly users: UserSource,
    private readonly index: AdIndex,
    private readonly userTower: ort.InferenceSession,
    private readonly ctr: CandidateScorer,
    private readonly cvr: CandidateScorer,
    private readonly store: OnlineFeatureStore | null,
    private readonly options: RankerOptions,
  ) {
    catalog.adId.forEach((id, a) => this.adRowOf.set(id, a));
  }

  /** `store` (when given) is closed with the ranker. */
  static async open(run: LoadedRun, catalog: AdCatalog, users: UserSource, index: AdIndex, store: OnlineFeatureStore | null, options: RankerOptions = DEFAULT_RANKER): Promise<Ranker> {
    if (index.size !== catalog.adId.length) throw new AdrankError('BAD_ARTIFACT', `the index holds ${index.size} ads, the catalogue ${catalog.adId.length}`, { hint: 'build the index from this run' });
    const encoder = new FeatureEncoder(run.featureMap);
    const categories = run.retrieval.categories;
    const ctr = await CandidateScorer.build(run.models.ctr, '', run.featureMap, encoder, catalog, categories, run.calibration.ctr, options.threads);
    const cvr = await CandidateScorer.build(run.models.cvr, run.models.cvr.kind === 'esmm' ? 'cvr.' : '', run.featureMap, encoder, catalog, categories, run.calibration.cvr, options.threads);
    const userTower = await createSession(run.models.userTower.bytes, { intraOpThreads: options.threads, optimization: 'all', memPattern: false });
    return new Ranker(run, catalog, encoder, users, index, userTower, ctr, cvr, store, options);
  }

  /** The user vector (O) of a user in a context, as the exported user tower computes it. */
  async userVector(user: UserProfile, context: RequestContext): Promise<Float32Array> {
    const tower = this.run.retrieval.user;
    const C = this.run.retrieval.categories.length;
    const rows = encodeTower(this.encoder, tower, [userRow(user, context)], userCategoryBlock(tower, user, this.users.categoryMean), C);
    const ids = new BigInt64Array(rows.categorical.length);
    const words = int64Words(ids);
    rows.categorical.forEach((c, f) => (words[2 * f] = c[0]));
    const out = await this.userTower.run({
      ids: new ort.Tensor('int64', ids, [1, ids.length]),
      numerical: new ort.Tensor('float32', rows.numerical, [1, rows.numerical.length]),
    });
    return out.vector.data as Float32Array;
  }

  /** The user's record from the store; the cold path for a user it does not have, and (degraded) when it is down. */
  private async lookup(userId: number): Promise<{ user: UserProfile; userKnown: boolean; degraded: boolean }> {
    let degraded = false;
    let profile: UserProfile | null;
    try {
      profile = await this.users.user(userId);
    } catch (e) {
      if (!isAdrankError(e) || e.code !== 'STORE_UNAVAILABLE') throw e;
      profile = null;
      degraded = true;
    }
    return { user: profile ?? unknownUser(userId, this.users.categoryMean, this.users.globalCtr), userKnown: profile !== null, degraded };
  }

  /** The ad ids the index shortlists for a request, best first, exactly as `rank` retrieves them (recall@k as served). */
  async retrieve(request: RequestContext & { userId: number }, k: number): Promise<{ adIds: number[]; userKnown: boolean }> {
    const { user, userKnown } = await this.lookup(request.userId);
    const top = this.index.search(shortlistQuery(this.run.shortlist, await this.userVector(user, request), user, this.users.categoryMean), k);
    return { adIds: Array.from(top.rows.subarray(0, top.count), (a) => this.catalog.adId[a]), userKnown };
  }

  async rank(request: RankRequest): Promise<RankResponse> {
    const t0 = performance.now();
    const timings: Record<string, number> = {};
    const mark = (stage: string, since: number): number => {
      const now = performance.now();
      timings[stage] = now - since;
      return now;
    };
    const { user, userKnown, degraded } = await this.lookup(request.userId);
    let t = mark('features', t0);
    const query = shortlistQuery(this.run.shortlist, await this.userVector(user, request), user, this.users.categoryMean);
    t = mark('userTower', t);
    const top = this.index.search(query, this.options.candidates);
    const excluded = new Set((request.excludeAdIds ?? []).map((id) => this.adRowOf.get(id)).filter((a) => a !== undefined));
    const candidates = Int32Array.from([...top.rows.subarray(0, top.count)].filter((a) => !excluded.has(a)));
    t = mark('index', t);
    const ctrRequest = this.ctr.request(user, request, this.users.categoryMean);
    const cvrRequest = this.cvr.request(user, request, this.users.categoryMean);
    const [ctr, cvr] = [await this.ctr.score(ctrRequest, candidates, this.ctr.crossFeatures(user, candidates)), await this.cvr.score(cvrRequest, candidates, this.cvr.crossFeatures(user, candidates))];
    t = mark('ranking', t);
    const answers = this.select(candidates, ctr.probs, cvr.probs, request);
    mark('select', t);
    timings.total = performance.now() - t0;
    const response: RankResponse = {
      ads: answers.map((i, rank) => this.answer(candidates[i], rank + 1, ctr.probs[i], cvr.probs[i])),
      userKnown, degraded, runId: this.run.manifest.createdAt, stageMs: timings, candidateCount: candidates.length,
    };
    if (request.explain) {
      const { convertedAdvertisers: _c, categoryCtr: _a, categoryImpressions: _b, categoryConverted: _d, ...shown } = user;
      response.explain = {
        timingsMs: timings, candidates: candidates.length, user: shown,
        rows: Array.from(candidates, (a, i) => ({ adId: this.catalog.adId[a], ctrLogit: ctr.logits[i], cvrLogit: cvr.logits[i], pctr: ctr.probs[i], pcvr: cvr.probs[i], score: this.catalog.bid[a] * ctr.probs[i] * cvr.probs[i] })),
      };
    }
    return response;
  }

  /** Candidate positions of the top K by expected revenue, at most `maxPerAdvertiser` per advertiser. */
  private select(candidates: Int32Array, pctr: Float32Array, pcvr: Float32Array, request: RankRequest): number[] {
    const k = request.k ?? 5;
    const score = Float64Array.from(candidates, (a, i) => this.catalog.bid[a] * pctr[i] * pcvr[i]);
    const cap = request.maxPerAdvertiser ?? Infinity;
    // the best few in order (most requests need no more); every candidate in order when the cap skips too many
    const few = Math.min(candidates.length, cap === Infinity ? k : 4 * k + 16);
    const pick = (order: ArrayLike<number>): number[] | null => {
      const perAdvertiser = new Map<number, number>();
      const out: number[] = [];
      for (let j = 0; j < order.length && out.length < k; j++) {
        const i = order[j];
        const advertiser = this.catalog.advertiserId[candidates[i]];
        const used = perAdvertiser.get(advertiser) ?? 0;
        if (used >= cap) continue;
        perAdvertiser.set(advertiser, used + 1);
        out.push(i);
      }
      return out.length === k || order.length === candidates.length ? out : null;
    };
    const before = (x: number, y: number): boolean => score[x] > score[y] || (score[x] === score[y] && candidates[x] < candidates[y]);
    return pick(topPositions(candidates.length, few, before)) ?? pick(topPositions(candidates.length, candidates.length, before))!;
  }

  private answer(a: number, rank: number, pctr: number, pcvr: number): RankedAd {
    const c = this.catalog;
    return { adId: c.adId[a], rank, score: c.bid[a] * pctr * pcvr, pctr, pcvr, bid: c.bid[a], advertiserId: c.advertiserId[a], category: c.category[a] };
  }

  async close(): Promise<void> {
    await this.ctr.release();
    await this.cvr.release();
    await this.userTower.release();
    this.index.close();
    await this.store?.close();
  }
}

/** The positions 0..n-1 of the best m under `before` (a strict total order), best first: one pass, insertion into a short list. */
export function topPositions(n: number, m: number, before: (x: number, y: number) => boolean): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => (before(x, y) ? -1 : before(y, x) ? 1 : 0));
  const best = new Int32Array(m);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (size === m && !before(i, best[m - 1])) continue;
    let j = size < m ? size++ : m - 1;
    while (j > 0 && before(i, best[j - 1])) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = i;
  }
  return best;
}
