// Point-in-time history for training the retrieval model, in one scan of the training log in event order:
// at every click, before counting it,
//   - the user's affinity to each category: ln((ctr_uc + ε) / (m_c + ε)), where ctr_uc is the user's CTR in the
//     category smoothed toward the category mean m_c with the run's prior strength (m_c: the mean over users of
//     their raw user×category CTR, as the aggregates define it; 0 without history in the category);
//   - K ads drawn uniformly from the catalogue as negatives, with their impression and click counts at that time,
//     so negatives carry the same point-in-time features as positives (a snapshot would mark them apart).
// At serving the same profile comes from the online store's user×category CTRs, impressions and category means.
// Legend: E events, N clicks, U users, A ads, C categories, K negatives per click.
import type { Rng } from '../core/rng.js';
import type { Db } from '../data/duckdb.js';

export const AFFINITY_EPSILON = 1e-3;

/** The affinity of a user to a category from their smoothed CTR in it and the category's mean. */
export function categoryAffinity(userCategoryCtr: number, categoryMean: number): number {
  return Math.log((userCategoryCtr + AFFINITY_EPSILON) / (categoryMean + AFFINITY_EPSILON));
}

/**
 * A user's category profile (2C): the affinity to each category, then log1p of the impressions in it — the
 * user's CTR and count in every category, as the ranking models read them (user-side, so once per request).
 */
export function categoryProfile(ctr: ArrayLike<number>, impressions: ArrayLike<number>, mean: ArrayLike<number>, out: Float32Array, at = 0): void {
  const C = mean.length;
  for (let c = 0; c < C; c++) {
    out[at + c] = categoryAffinity(ctr[c], mean[c]);
    out[at + C + c] = Math.log1p(impressions[c]);
  }
}

export interface ClickHistory {
  /** event index of each training click (N) */
  eventIndex: Int32Array;
  /** categories in vector order (the sorted distinct categories of the ad catalogue) */
  categories: string[];
  /** (N, 2C) the user's category profile before each click: affinities, then log1p impressions per category */
  clickProfiles: Float32Array;
  /** (N, K) catalogue rows of the negatives drawn at each click */
  negativeAd: Int32Array;
  /** (N, K) their impressions and clicks before the click */
  negativeImpressions: Float32Array;
  negativeClicks: Float32Array;
  negatives: number;
  /** (N) the global CTR before the click (what an ad without history falls back to) */
  globalCtr: Float64Array;
  /** with `profiles`: every event's category profile before it (E, 2C), and every user's at the end (U, 2C) */
  rowProfiles?: Float32Array;
  endProfiles?: Float32Array;
  /** user ids in catalogue order (the rows of endProfiles) */
  userIds: Float64Array;
}

interface EventColumns {
  user: Int32Array; // (E) user catalogue row
  ad: Int32Array; // (E) ad catalogue row
  category: Int32Array; // (E) category code
  clicked: Uint8Array; // (E)
}

async function readEvents(db: Db, log: string): Promise<{ events: EventColumns; userIds: Float64Array; ads: number; categories: string[] }> {
  const categories = (await db.rows('SELECT DISTINCT CAST(category AS VARCHAR) AS c FROM ad_catalog ORDER BY 1')).map((r) => String(r.c));
  const n = Number(await db.scalar(`SELECT count(*) FROM ${log}`));
  const events: EventColumns = { user: new Int32Array(n), ad: new Int32Array(n), category: new Int32Array(n), clicked: new Uint8Array(n) };
  const codes = `list_position([${categories.map((c) => `'${c.replaceAll("'", "''")}'`).join(', ')}], CAST(a.category AS VARCHAR)) - 1`;
  await db.readInto(
    `SELECT u.user_idx AS u, a.ad_idx AS a, ${codes} AS c, e.clicked AS y FROM ${log} e
       JOIN user_catalog u ON u.user_id = e.user_id JOIN ad_catalog a ON a.ad_id = e.ad_id ORDER BY e.event_idx`,
    { u: events.user, a: events.ad, c: events.category, y: events.clicked },
  );
  const userIds = new Float64Array(Number(await db.scalar('SELECT count(*) FROM user_catalog')));
  await db.readInto('SELECT user_id::DOUBLE AS id FROM user_catalog ORDER BY user_idx', { id: userIds });
  return { events, userIds, ads: Number(await db.scalar('SELECT count(*) FROM ad_catalog')), categories };
}

/** Scans `log` (the training log, with event_idx) and records the history of every click. */
export async function scanClickHistory(db: Db, log: string, options: { ctrPriorStrength: number; negatives: number; rng: Rng; profiles?: boolean }): Promise<ClickHistory> {
  const { events, userIds, ads, categories } = await readEvents(db, log);
  const users = userIds.length;
  const E = events.user.length;
  const C = categories.length;
  const K = options.negatives;
  const k = options.ctrPriorStrength;
  let N = 0;
  for (let e = 0; e < E; e++) N += events.clicked[e];
  const out: ClickHistory = {
    eventIndex: new Int32Array(N), categories, clickProfiles: new Float32Array(N * 2 * C),
    negativeAd: new Int32Array(N * K), negativeImpressions: new Float32Array(N * K), negativeClicks: new Float32Array(N * K), negatives: K,
    globalCtr: new Float64Array(N), userIds,
  };
  const rowProfiles = options.profiles ? new Float32Array(E * 2 * C) : undefined;
  const means = new Float64Array(C);
  const ctrs = new Float64Array(C);
  const ucImpressions = new Float32Array(users * C);
  const ucClicks = new Float32Array(users * C);
  const adImpressions = new Float32Array(ads);
  const adClicks = new Float32Array(ads);
  const categorySum = new Float64Array(C); // Σ over users with history in c of their raw CTR in c
  const categoryUsers = new Float64Array(C);
  let clicksBefore = 0;
  let j = 0;
  // the smoothed CTRs of user u in every category, and the category means, as of now
  const userState = (u: number, global: number): void => {
    for (let cc = 0; cc < C; cc++) {
      const mean = categoryUsers[cc] > 0 ? categorySum[cc] / categoryUsers[cc] : global;
      const n = ucImpressions[u * C + cc];
      means[cc] = mean;
      ctrs[cc] = n > 0 ? (k === 0 ? ucClicks[u * C + cc] / n : (ucClicks[u * C + cc] + k * mean) / (n + k)) : mean;
    }
  };
  for (let e = 0; e < E; e++) {
    const u = events.user[e];
    const c = events.category[e];
    const y = events.clicked[e];
    const global = e > 0 ? clicksBefore / e : 0;
    if (y || rowProfiles) userState(u, global);
    if (rowProfiles) categoryProfile(ctrs, ucImpressions.subarray(u * C, (u + 1) * C), means, rowProfiles, e * 2 * C);
    if (y) {
      out.eventIndex[j] = e;
      out.globalCtr[j] = global;
      if (rowProfiles) out.clickProfiles.set(rowProfiles.subarray(e * 2 * C, (e + 1) * 2 * C), j * 2 * C);
      else categoryProfile(ctrs, ucImpressions.subarray(u * C, (u + 1) * C), means, out.clickProfiles, j * 2 * C);
      for (let s = 0; s < K; s++) {
        const a = options.rng.int(ads);
        out.negativeAd[j * K + s] = a;
        out.negativeImpressions[j * K + s] = adImpressions[a];
        out.negativeClicks[j * K + s] = adClicks[a];
      }
      j++;
    }
    // count the event: the user's CTR in c moves from r_old to r_new, and so does the category's sum
    const slot = u * C + c;
    const before = ucImpressions[slot];
    const rOld = before > 0 ? ucClicks[slot] / before : 0;
    ucImpressions[slot] = before + 1;
    ucClicks[slot] += y;
    categorySum[c] += ucClicks[slot] / ucImpressions[slot] - rOld;
    if (before === 0) categoryUsers[c]++;
    adImpressions[events.ad[e]]++;
    adClicks[events.ad[e]] += y;
    clicksBefore += y;
  }
  if (rowProfiles) {
    out.rowProfiles = rowProfiles;
    out.endProfiles = new Float32Array(users * 2 * C);
    const global = E > 0 ? clicksBefore / E : 0;
    for (let u = 0; u < users; u++) {
      userState(u, global);
      categoryProfile(ctrs, ucImpressions.subarray(u * C, (u + 1) * C), means, out.endProfiles, u * 2 * C);
    }
  }
  return out;
}
