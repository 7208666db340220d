// What `adrank inspect` shows about loaded data: sizes, label rates, vocabularies and coverage.
import type { LoadedData } from './load.js';
import { valueCounts, type ValueCount } from './vocabulary.js';

export interface LogRates {
  events: number;
  clicks: number;
  conversions: number;
  ctr: number;
  cvrGivenClick: number;
  conversionsPerImpression: number;
  distinctUsers: number;
  distinctAds: number;
}

export interface DataStats {
  counts: LoadedData['counts'];
  train: LogRates;
  test?: LogRates;
  vocabularies: Record<string, { distinct: number; top: ValueCount[] }>;
  usersWithoutEvents: number;
  adsWithoutEvents: number;
  testUsersUnseenInTraining?: number;
  testAdsUnseenInTraining?: number;
  hasEventTime: boolean;
}

const VOCABULARY_COLUMNS: readonly [string, string][] = [
  ['user_catalog', 'age_group'], ['user_catalog', 'gender'], ['user_catalog', 'country'],
  ['ad_catalog', 'category'], ['ad_catalog', 'advertiser_id'], ['ad_catalog', 'format'],
  ['event_log', 'device'], ['event_log', 'location'], ['event_log', 'weekday'], ['event_log', 'month'], ['event_log', 'hour'],
];

async function rates(data: LoadedData, table: string): Promise<LogRates> {
  const [r] = await data.db.rows(`SELECT count(*) AS n, sum(clicked) AS c, sum(converted) AS v, count(DISTINCT user_id) AS u, count(DISTINCT ad_id) AS a FROM ${table}`);
  const events = Number(r.n);
  const clicks = Number(r.c ?? 0);
  const conversions = Number(r.v ?? 0);
  return {
    events, clicks, conversions,
    ctr: events ? clicks / events : 0,
    cvrGivenClick: clicks ? conversions / clicks : 0,
    conversionsPerImpression: events ? conversions / events : 0,
    distinctUsers: Number(r.u), distinctAds: Number(r.a),
  };
}

export async function describeData(data: LoadedData, topValues = 10): Promise<DataStats> {
  const db = data.db;
  const vocabularies: DataStats['vocabularies'] = {};
  for (const [table, column] of VOCABULARY_COLUMNS) {
    const all = await valueCounts(db, table, column, 1_000_000);
    vocabularies[column] = { distinct: all.length, top: all.slice(0, topValues) };
  }
  const count = async (sql: string): Promise<number> => Number(await db.scalar(sql));
  const stats: DataStats = {
    counts: data.counts,
    train: await rates(data, 'event_log'),
    vocabularies,
    usersWithoutEvents: await count(`SELECT count(*) FROM user_catalog u WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.user_id = u.user_id)`),
    adsWithoutEvents: await count(`SELECT count(*) FROM ad_catalog a WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.ad_id = a.ad_id)`),
    hasEventTime: data.hasEventTime,
  };
  if (data.sources.test_event_log) {
    stats.test = await rates(data, 'test_event_log');
    stats.testUsersUnseenInTraining = await count(`SELECT count(DISTINCT t.user_id) FROM test_event_log t WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.user_id = t.user_id)`);
    stats.testAdsUnseenInTraining = await count(`SELECT count(DISTINCT t.ad_id) FROM test_event_log t WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.ad_id = t.ad_id)`);
  }
  return stats;
}
