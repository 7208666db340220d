// The seed's joined training table: one row per event (in event order) with the context, user and ad
// attributes and the five aggregate features — raw values, neither encoded nor standardised.
import { AdrankError } from '../core/errors.js';
import type { Db } from '../data/duckdb.js';
import type { LoadedData } from '../data/load.js';
import { createEndOfTrainingAggregates, createEnrichedEvents, endOfTrainingFeatures, createPointInTimeFeatures, type AggregateOptions } from './aggregates.js';

export type Split = 'train' | 'test';

/** The seed's 21 columns, in the seed's order. */
export const FEATURE_COLUMNS = [
  'user_id', 'ad_id', 'device', 'location', 'weekday', 'month', 'hour', 'clicked', 'converted',
  'age_group', 'gender', 'country', 'category', 'advertiser_id', 'format', 'bid',
  'user_historical_ctr', 'ad_historical_ctr', 'user_x_category_ctr', 'user_x_advertiser_converted', 'user_x_category_converted',
] as const;

export type FeatureColumn = (typeof FEATURE_COLUMNS)[number];

/** The aggregate columns of a feature table: the seed's five, then the impression counts they come from. */
export const AGGREGATE_COLUMNS = [
  'user_historical_ctr', 'ad_historical_ctr', 'user_x_category_ctr', 'user_x_advertiser_converted', 'user_x_category_converted',
  'user_impressions', 'ad_impressions', 'user_x_category_impressions',
] as const;

/** The counts adrank adds beside the seed's columns. */
export const COUNT_COLUMNS = ['user_impressions', 'ad_impressions', 'user_x_category_impressions'] as const;

/** Column types of an exported feature table (text as plain strings, flags and small integers as INTEGER). */
export const FEATURE_COLUMN_TYPES: Readonly<Record<FeatureColumn, string>> = {
  user_id: 'BIGINT', ad_id: 'BIGINT', device: 'VARCHAR', location: 'VARCHAR',
  weekday: 'INTEGER', month: 'INTEGER', hour: 'INTEGER', clicked: 'INTEGER', converted: 'INTEGER',
  age_group: 'VARCHAR', gender: 'VARCHAR', country: 'VARCHAR', category: 'VARCHAR', advertiser_id: 'BIGINT', format: 'VARCHAR', bid: 'DOUBLE',
  user_historical_ctr: 'DOUBLE', ad_historical_ctr: 'DOUBLE', user_x_category_ctr: 'DOUBLE',
  user_x_advertiser_converted: 'DOUBLE', user_x_category_converted: 'DOUBLE',
};

export interface FeatureTables {
  /** name of the table per split, each with event_idx + FEATURE_COLUMNS; stored nearly, not exactly, in event order (ORDER BY event_idx to read them so) */
  train: string;
  test?: string;
  options: AggregateOptions;
}

/**
 * Builds the feature tables of the training log (and the held-out log when loaded) inside the data's
 * database, plus the end-of-training aggregate tables (fs_*) that the online stores are made from.
 */
export async function buildFeatureTables(data: LoadedData, options: AggregateOptions): Promise<FeatureTables> {
  const { db } = data;
  if (!Number.isFinite(options.ctrPriorStrength) || options.ctrPriorStrength < 0) {
    throw new AdrankError('BAD_ARGUMENT', `ctr prior strength must be a number ≥ 0, got ${options.ctrPriorStrength}`, {
      location: { field: 'ctrPriorStrength', value: String(options.ctrPriorStrength) },
      hint: '0 (the default) reproduces the seed; 10–100 pulls rare users and ads toward the global CTR',
    });
  }
  await createEnrichedEvents(db);
  await createEndOfTrainingAggregates(db);
  const k = options.ctrPriorStrength;
  const endOfTraining = endOfTrainingFeatures(k);
  if (options.mode === 'snapshot') {
    await joinFeatureTable(db, 'event_log', 'features_train', endOfTraining.columns, endOfTraining.joins);
  } else {
    await createPointInTimeFeatures(db, k);
    // Both tables hold one row per event_idx 0..n-1 in that order, so rows pair by position: no 10M-row hash join.
    const misplaced = Number(await db.scalar('SELECT count(*) FROM event_log e POSITIONAL JOIN (SELECT event_idx AS p_idx FROM fs_point_in_time) p WHERE p.p_idx IS DISTINCT FROM e.event_idx'));
    if (misplaced !== 0) throw new Error(`assertion failed: ${misplaced} point-in-time rows out of event order`);
    // Materialised, so the planner knows its size and probes it against the catalogues (not the other way round).
    await db.run('CREATE OR REPLACE TEMP TABLE fs_pit_events AS SELECT * FROM event_log POSITIONAL JOIN (SELECT * EXCLUDE (event_idx) FROM fs_point_in_time)');
    await db.run('DROP TABLE fs_point_in_time');
    await joinFeatureTable(db, 'fs_pit_events', 'features_train', AGGREGATE_COLUMNS.map((c) => `e.${c}`).join(', '), '');
    await db.run('DROP TABLE fs_pit_events');
  }
  const tables: FeatureTables = { train: 'features_train', options };
  if (data.sources.test_event_log) {
    await joinFeatureTable(db, 'test_event_log', 'features_test', endOfTraining.columns, endOfTraining.joins);
    tables.test = 'features_test';
  }
  return tables;
}

/**
 * event e of `log` joined with its user u and ad a (catalogue rows with their counts), plus the five aggregate
 * columns. The events are the probe side, so rows come out in event order within each chunk of the scan: not
 * sorted, but local enough that encoding into event-ordered arrays does not scatter its writes across gigabytes.
 */
async function joinFeatureTable(db: Db, log: string, into: string, aggregateColumns: string, aggregateJoins: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${into} AS
    SELECT e.event_idx, e.user_id, e.ad_id, e.device, e.location, e.weekday, e.month, e.hour, e.clicked, e.converted,
           u.age_group, u.gender, u.country, a.category, a.advertiser_id, a.format, a.bid,
           ${aggregateColumns}
    FROM ${log} e
    JOIN fs_user_row u ON u.user_id = e.user_id
    JOIN fs_ad_row a ON a.ad_id = e.ad_id
    ${aggregateJoins}`);
}
