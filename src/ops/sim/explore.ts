// The serving policy of the simulation with a logged propensity. Of the ranker's candidates sorted by expected
// revenue, the first is shown with probability 1 − ε plus its share of the exploration; the exploration ε goes in
// part (1 − u) evenly to the top M and in part u evenly to every candidate the index retrieved, so ads the model
// ranks low — new ads among them — still get shown now and then. Every logged impression knows the probability it
// had, so off-policy estimators can reweight it.
// Legend: C candidates of one request, M top answers.
import type { Ranker, RankRequest } from '../../serve/ranker.js';

export interface Exploration {
  epsilon: number;
  topM: number;
  /** the share of ε spread over every candidate instead of the top M */
  uniform: number;
}

export interface PolicyAnswer {
  /** candidates (C) sorted by the policy's score, best first */
  adIds: Float64Array;
  /** the policy's expected revenue bid × pCTR × pCVR of each (C) */
  scores: Float64Array;
  /** the probability the policy shows each (C), summing to 1 */
  probs: Float64Array;
}

/** π over C ranked candidates (see the file comment). */
export function explorationProbabilities(c: number, x: Exploration): Float64Array {
  const probs = new Float64Array(c);
  if (c === 0) return probs;
  const m = Math.min(x.topM, c);
  const top = x.epsilon * (1 - x.uniform);
  const wide = x.epsilon * x.uniform;
  for (let i = 0; i < c; i++) probs[i] = wide / c + (i < m ? top / m : 0);
  probs[0] += 1 - x.epsilon;
  return probs;
}

/** The probability that `answer`'s policy shows `adId` (0 when it is not among its candidates). */
/** The probability mass `target` puts on ads `logger` could show (1: the logger supports every action the target takes). */
export function supportOf(target: PolicyAnswer, logger: PolicyAnswer): number {
  const shown = new Set(logger.adIds);
  let mass = 0;
  for (let i = 0; i < target.adIds.length; i++) if (shown.has(target.adIds[i])) mass += target.probs[i];
  return mass;
}

export function probabilityOf(answer: PolicyAnswer, adId: number): number {
  for (let i = 0; i < answer.adIds.length; i++) if (answer.adIds[i] === adId) return answer.probs[i];
  return 0;
}

/** The position drawn by a uniform `u` in [0, 1): inverse CDF of the answer's probabilities. */
export function drawPosition(answer: PolicyAnswer, u: number): number {
  let acc = 0;
  for (let i = 0; i < answer.probs.length; i++) {
    acc += answer.probs[i];
    if (u < acc) return i;
  }
  return answer.probs.length - 1;
}

/** Ranks a request and turns its candidates into the exploring policy's distribution. */
export async function answerOf(ranker: Ranker, request: RankRequest, x: Exploration): Promise<PolicyAnswer> {
  if (x.uniform === 0) {
    const ads = (await ranker.rank({ ...request, k: x.topM })).ads;
    return { adIds: Float64Array.from(ads, (a) => a.adId), scores: Float64Array.from(ads, (a) => a.score), probs: explorationProbabilities(ads.length, x) };
  }
  const rows = (await ranker.rank({ ...request, k: 1, explain: true })).explain!.rows;
  const order = Array.from(rows.keys()).sort((a, b) => rows[b].score - rows[a].score || rows[a].adId - rows[b].adId);
  return { adIds: Float64Array.from(order, (i) => rows[i].adId), scores: Float64Array.from(order, (i) => rows[i].score), probs: explorationProbabilities(rows.length, x) };
}
