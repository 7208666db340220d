// The seed's five aggregate features, in DuckDB SQL, in two modes:
//   as of the end of training — aggregates over the whole training log (the seed's computation; what the
//     held-out log and serving see, and what snapshot mode joins to training rows, the row itself included);
//   point in time — for each training row, aggregates over the events strictly before it in event order,
//     so no row's label reaches its own features.
// Fallbacks when there is no history: a user or ad CTR takes the global CTR; a user×category CTR takes
// that category's mean over users (the seed's rule), or the global CTR when the category has no history
// either; conversion flags take 0. With smoothing strength k, a CTR of c clicks in n impressions becomes
// (c + k·f) / (n + k), where f is the value it falls back to (k = 0 reproduces the seed). Beside the CTRs, the
// impression counts they come from (user, ad, user×category) are features too.
// Floating-point sums that DuckDB parallelises are taken over DECIMALs (exact, so the same in any order): the
// same data gives the same features, bit for bit, however the threads interleave.
import type { Db } from '../data/duckdb.js';

export type FeatureMode = 'point-in-time' | 'snapshot';

export interface AggregateOptions {
  mode: FeatureMode;
  ctrPriorStrength: number;
}

/** Training events with the ad's category and advertiser: the input of every aggregate. */
export async function createEnrichedEvents(db: Db, log = 'event_log', into = 'fs_events'): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${into} AS
    SELECT e.event_idx, e.user_id, e.ad_id, e.clicked, e.converted, a.category, a.advertiser_id
    FROM ${log} e JOIN ad_catalog a ON a.ad_id = e.ad_id`);
}

/**
 * Aggregate tables as of the end of training (from fs_events):
 *   fs_user_category(user_id, category, impressions, clicks, converted), fs_user_advertiser(user_id, advertiser_id, converted),
 *   fs_category_mean(category, mean_ctr) — the mean over users of their raw user×category CTR,
 *   fs_global(ctr, impressions),
 *   fs_user_row: user_catalog + (impressions, clicks);  fs_ad_row: ad_catalog + (impressions, clicks, category_mean_ctr)
 *   — one row per catalogue entry, so building a feature table joins each side once.
 * Per-user and global counts are sums of the user×category counts: two scans of the events, not five.
 */
export async function createEndOfTrainingAggregates(db: Db): Promise<void> {
  await db.run(`
    CREATE OR REPLACE TEMP TABLE fs_user_category AS
      SELECT user_id, category, count(*) AS impressions, sum(clicked)::BIGINT AS clicks, max(converted)::UTINYINT AS converted
      FROM fs_events GROUP BY user_id, category;
    CREATE OR REPLACE TEMP TABLE fs_user_advertiser AS
      SELECT user_id, advertiser_id, max(converted)::UTINYINT AS converted FROM fs_events GROUP BY user_id, advertiser_id;
    CREATE OR REPLACE TEMP TABLE fs_category_mean AS
      SELECT category, ${exactMean('clicks / impressions')} AS mean_ctr FROM fs_user_category GROUP BY category;
    CREATE OR REPLACE TEMP TABLE fs_global AS
      SELECT coalesce(sum(clicks) / sum(impressions), 0)::DOUBLE AS ctr, coalesce(sum(impressions), 0)::BIGINT AS impressions FROM fs_user_category;
    CREATE OR REPLACE TEMP TABLE fs_user_row AS
      SELECT u.*, coalesce(f.impressions, 0) AS impressions, coalesce(f.clicks, 0) AS clicks
      FROM user_catalog u LEFT JOIN (SELECT user_id, sum(impressions)::BIGINT AS impressions, sum(clicks)::BIGINT AS clicks FROM fs_user_category GROUP BY user_id) f
      ON f.user_id = u.user_id;
    CREATE OR REPLACE TEMP TABLE fs_ad_row AS
      SELECT a.*, coalesce(f.impressions, 0) AS impressions, coalesce(f.clicks, 0) AS clicks,
             coalesce(cm.mean_ctr, (SELECT ctr FROM fs_global)) AS category_mean_ctr
      FROM ad_catalog a
      LEFT JOIN (SELECT ad_id, count(*) AS impressions, sum(clicked)::BIGINT AS clicks FROM fs_events GROUP BY ad_id) f ON f.ad_id = a.ad_id
      LEFT JOIN fs_category_mean cm ON cm.category = a.category;
  `);
}

/** The mean of a DOUBLE expression, summed exactly (DECIMAL(38,18)), so it does not depend on the summation order. */
export function exactMean(expr: string): string {
  return `CAST(sum(CAST(${expr} AS DECIMAL(38, 18))) AS DOUBLE) / count(*)`;
}

/** (c + k·f) / (n + k) as SQL, and plain c / n when k = 0 (so the seed's numbers are reproduced exactly). */
export function smoothedCtr(clicks: string, impressions: string, fallback: string, k: number): string {
  if (k === 0) return `(${clicks}) / (${impressions})`;
  return `((${clicks}) + ${k} * (${fallback})) / ((${impressions}) + ${k})`;
}

/**
 * The five aggregate columns of an event `e` whose user row is `u` and ad row is `a` (fs_user_row, fs_ad_row),
 * from the end-of-training tables, and the joins they need beyond `u` and `a`.
 */
export function endOfTrainingFeatures(k: number): { columns: string; joins: string } {
  const global = '(SELECT ctr FROM fs_global)';
  return {
    columns: `
      CASE WHEN u.impressions > 0 THEN ${smoothedCtr('u.clicks', 'u.impressions', global, k)} ELSE ${global} END AS user_historical_ctr,
      CASE WHEN a.impressions > 0 THEN ${smoothedCtr('a.clicks', 'a.impressions', global, k)} ELSE ${global} END AS ad_historical_ctr,
      CASE WHEN uc.impressions > 0 THEN ${smoothedCtr('uc.clicks', 'uc.impressions', 'a.category_mean_ctr', k)} ELSE a.category_mean_ctr END AS user_x_category_ctr,
      coalesce(ua.converted, 0)::DOUBLE AS user_x_advertiser_converted,
      coalesce(uc.converted, 0)::DOUBLE AS user_x_category_converted,
      u.impressions::DOUBLE AS user_impressions,
      a.impressions::DOUBLE AS ad_impressions,
      coalesce(uc.impressions, 0)::DOUBLE AS user_x_category_impressions`,
    joins: `
      LEFT JOIN fs_user_category uc ON uc.user_id = e.user_id AND uc.category = a.category
      LEFT JOIN fs_user_advertiser ua ON ua.user_id = e.user_id AND ua.advertiser_id = a.advertiser_id`,
  };
}

/**
 * Point-in-time aggregate columns for every training event (from fs_events), each from strictly earlier
 * events only. The category mean over users is maintained incrementally: each event changes its user's
 * user×category CTR from r_old to r_new, so the category's sum of user CTRs moves by r_new − r_old, and
 * its user count by one on the user's first event in the category.
 *
 * Speed on 10M events: DuckDB's window operator sorts whole rows, and each aggregate costs its own pass, so
 * the windows run over narrow tables, counts are row numbers, and "converted before" is a comparison with
 * the pair's first conversion (a GROUP BY) rather than a running max.
 */
const before = (partition: string): string => `(PARTITION BY ${partition} ORDER BY event_idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`;
const rowsBefore = (partition: string): string => `row_number() OVER (PARTITION BY ${partition} ORDER BY event_idx) - 1`;

/** Creates fs_point_in_time(event_idx, the aggregate columns) for every training event, stored in event order. */
export async function createPointInTimeFeatures(db: Db, k: number): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE fs_pit_history AS
      SELECT e.event_idx, e.category, e.clicked,
        ${rowsBefore('e.user_id')} AS u_n, coalesce(sum(e.clicked) OVER ${before('e.user_id')}, 0) AS u_c,
        ${rowsBefore('e.ad_id')} AS a_n, coalesce(sum(e.clicked) OVER ${before('e.ad_id')}, 0) AS a_c,
        ${rowsBefore('e.user_id, e.category')} AS uc_n, coalesce(sum(e.clicked) OVER ${before('e.user_id, e.category')}, 0) AS uc_c,
        CASE WHEN fc.first_idx < e.event_idx THEN 1 ELSE 0 END AS uc_conv,
        CASE WHEN fa.first_idx < e.event_idx THEN 1 ELSE 0 END AS ua_conv
      FROM fs_events e
      LEFT JOIN (SELECT user_id, category, min(event_idx) AS first_idx FROM fs_events WHERE converted = 1 GROUP BY ALL) fc
        ON fc.user_id = e.user_id AND fc.category = e.category
      LEFT JOIN (SELECT user_id, advertiser_id, min(event_idx) AS first_idx FROM fs_events WHERE converted = 1 GROUP BY ALL) fa
        ON fa.user_id = e.user_id AND fa.advertiser_id = e.advertiser_id`);
  await db.run(`CREATE OR REPLACE TEMP TABLE fs_pit_running AS
      SELECT event_idx,
        coalesce(sum(clicked) OVER (ORDER BY event_idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS g_c,
        coalesce(sum(ctr_step) OVER ${before('category')}, 0) AS cat_sum,
        coalesce(sum(new_user) OVER ${before('category')}, 0) AS cat_users
      FROM (
        SELECT event_idx, category, clicked,
          (uc_c + clicked) / (uc_n + 1) - CASE WHEN uc_n > 0 THEN uc_c / uc_n ELSE 0 END AS ctr_step, -- r_new − r_old
          CASE WHEN uc_n = 0 THEN 1 ELSE 0 END AS new_user
        FROM fs_pit_history
      )`);
  await db.run(`CREATE OR REPLACE TEMP TABLE fs_point_in_time AS
      WITH fallbacks AS (
        SELECT h.*,
          -- event_idx counts the events before this one (0, 1, 2, … in event order)
          CASE WHEN h.event_idx > 0 THEN r.g_c / h.event_idx ELSE 0 END AS g,
          CASE WHEN r.cat_users > 0 THEN r.cat_sum / r.cat_users WHEN h.event_idx > 0 THEN r.g_c / h.event_idx ELSE 0 END AS m
        FROM fs_pit_history h JOIN fs_pit_running r ON r.event_idx = h.event_idx
      )
      SELECT event_idx,
        CASE WHEN u_n > 0 THEN ${smoothedCtr('u_c', 'u_n', 'g', k)} ELSE g END AS user_historical_ctr,
        CASE WHEN a_n > 0 THEN ${smoothedCtr('a_c', 'a_n', 'g', k)} ELSE g END AS ad_historical_ctr,
        CASE WHEN uc_n > 0 THEN ${smoothedCtr('uc_c', 'uc_n', 'm', k)} ELSE m END AS user_x_category_ctr,
        ua_conv::DOUBLE AS user_x_advertiser_converted,
        uc_conv::DOUBLE AS user_x_category_converted,
        u_n::DOUBLE AS user_impressions,
        a_n::DOUBLE AS ad_impressions,
        uc_n::DOUBLE AS user_x_category_impressions
      FROM fallbacks
      ORDER BY event_idx`);
  await db.run('DROP TABLE fs_pit_history; DROP TABLE fs_pit_running');
}
