// The ceiling a model is measured against on a generated world: the true probabilities of the held-out log
// (truth/test_event_log.truth.*, aligned row by row with the log file), scored like a model's predictions.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AdrankError } from '../core/errors.js';
import { sqlString } from '../data/duckdb.js';
import type { LoadedData } from '../data/load.js';
import type { World } from '../data/generate/world.js';
import { logLoss, rocAuc } from './metrics.js';

export interface HeldOutTruth {
  /** true P(click) and P(convert | click) of each held-out event, in event order (N) */
  pClick: Float64Array;
  pConvertGivenClick: Float64Array;
}

/** The truth of the held-out log, or null when the data is not a generated world in file order. */
export async function readHeldOutTruth(data: LoadedData, worldDir: string): Promise<HeldOutTruth | null> {
  const truth = ['csv', 'parquet'].map((ext) => join(worldDir, 'truth', `test_event_log.truth.${ext}`)).find(existsSync);
  if (!truth || !data.sources.test_event_log || data.hasEventTime) return null;
  const reader = truth.endsWith('.parquet') ? `read_parquet(${sqlString(truth)})` : `read_csv(${sqlString(truth)}, header=true)`;
  const n = data.counts.testEvents;
  const pClick = new Float64Array(n);
  const pConvertGivenClick = new Float64Array(n);
  const rows = await data.db.readInto(`SELECT p_click, p_convert_given_click FROM ${reader}`, { p_click: pClick, p_convert_given_click: pConvertGivenClick });
  if (rows !== n) {
    throw new AdrankError('BAD_ARTIFACT', `the truth file has ${rows} rows for ${n} held-out events`, { location: { file: truth }, hint: 'generate the world again' });
  }
  return { pClick, pConvertGivenClick };
}

export async function heldOutOracle(data: LoadedData, worldDir: string): Promise<{ auc: number; logLoss: number }> {
  const truth = await readHeldOutTruth(data, worldDir);
  if (!truth) {
    throw new AdrankError('FILE_NOT_FOUND', `no truth aligned with the held-out log in ${worldDir}`, {
      location: { file: join(worldDir, 'truth') },
      hint: 'the oracle exists for worlds made by `adrank generate`, in file order',
    });
  }
  const labels = new Float64Array(data.counts.testEvents);
  await data.db.readInto('SELECT clicked FROM test_event_log ORDER BY event_idx', { clicked: labels });
  return { auc: rocAuc(truth.pClick, labels), logLoss: logLoss(truth.pClick, labels) };
}

/**
 * The logging policy's probability of showing each ad to user `u` (A): uniform, by popularity, or targeted — a
 * category by the user's preference, then an ad of it by popularity (data/generate/log.ts). Times the true click
 * probability it is the chance that a request of this user ends in a click on the ad: the ranking that maximises
 * recall of logged clicks.
 */
export function exposureProbability(world: World, u: number, out = new Float64Array(world.spec.ads)): Float64Array {
  const { spec } = world;
  const A = spec.ads;
  const C = spec.categories.length;
  let popularityTotal = 0;
  const categoryPopularity = new Float64Array(C);
  for (let a = 0; a < A; a++) {
    popularityTotal += world.adPopularity[a];
    categoryPopularity[world.adCategory[a]] += world.adPopularity[a];
  }
  const preference = new Float64Array(C);
  let preferenceTotal = 0;
  for (let c = 0; c < C; c++) preferenceTotal += preference[c] = Math.exp(world.userCategoryPreference[u * C + c]);
  for (let a = 0; a < A; a++) {
    const c = world.adCategory[a];
    const targeted = categoryPopularity[c] > 0 ? (preference[c] / preferenceTotal) * (world.adPopularity[a] / categoryPopularity[c]) : 0;
    out[a] = spec.policy.uniform / A + (spec.policy.popular * world.adPopularity[a]) / popularityTotal + spec.policy.targeted * targeted;
  }
  return out;
}
