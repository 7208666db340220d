// The FeatureMap: every encoder fitted on training rows, saved as feature_map.json with a content hash.
// Categorical vocabularies with an explicit OOV index, user_id/ad_id encoders (dense or hashed), and
// standardisation statistics of the numerical columns. Loading it back reproduces identical encodings.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AdrankError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { sqlIdent, type Db } from '../data/duckdb.js';
import { AGE_GROUPS, DEVICES, GENDERS } from '../data/schema.js';
import type { FeatureMode } from './aggregates.js';
import { fitIdEncoder, idCardinality, type IdEncoderSpec } from './id-encoder.js';

/** Categorical fields in embedding order (the seed's: ten attributes, then user_id and ad_id). */
export const CATEGORICAL_FIELDS = ['age_group', 'gender', 'country', 'device', 'location', 'weekday', 'month', 'category', 'advertiser_id', 'format'] as const;
export const ID_FIELDS = ['user_id', 'ad_id'] as const;
/** Numerical columns in the seed's order: the user tower's five, then the ad tower's two. */
export const NUMERICAL_COLUMNS = ['hour', 'user_historical_ctr', 'user_x_category_ctr', 'user_x_advertiser_converted', 'user_x_category_converted', 'bid', 'ad_historical_ctr'] as const;

export type CategoricalField = (typeof CATEGORICAL_FIELDS)[number];
export type NumericalColumn = (typeof NUMERICAL_COLUMNS)[number];

/** Value sets fixed by the schema keep the schema's order; the others are read from the data. */
const FIXED_VOCABULARIES: Partial<Record<CategoricalField, readonly string[]>> = {
  age_group: AGE_GROUPS,
  gender: GENDERS,
  device: DEVICES,
  weekday: ['1', '2', '3', '4', '5', '6', '7'],
  month: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
};

export interface Vocabulary {
  name: CategoricalField;
  values: string[]; // index i ↔ values[i]
  oovIndex: number; // = values.length
}

export interface Standardizer {
  name: NumericalColumn;
  mean: number;
  std: number; // sample standard deviation; 0 means the column is constant and encodes to 0
}

export interface FeatureMapContent {
  version: 1;
  fittedOn: { mode: FeatureMode; ctrPriorStrength: number; trainingRows: number };
  vocabularies: Vocabulary[];
  ids: { user_id: IdEncoderSpec; ad_id: IdEncoderSpec };
  numerical: Standardizer[];
}

export interface FeatureMap extends FeatureMapContent {
  contentHash: string;
}

export interface FitOptions {
  /** values seen fewer times than this in training rows go to the OOV row */
  minCount: number;
  /** the largest user_id / ad_id table before ids are hashed */
  maxIdRows: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { minCount: 1, maxIdRows: 1 << 22 };

/** Fits every encoder on the training feature table `table` (and the catalogues for the id encoders). */
export async function fitFeatureMap(db: Db, table: string, fittedOn: Omit<FeatureMapContent['fittedOn'], 'trainingRows'>, options: FitOptions = DEFAULT_FIT_OPTIONS): Promise<FeatureMap> {
  const trainingRows = Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  const vocabularies: Vocabulary[] = [];
  for (const name of CATEGORICAL_FIELDS) {
    let values = FIXED_VOCABULARIES[name]?.slice();
    if (!values) {
      // most frequent first, ties by value: stable across runs, and the OOV-by-count cut keeps the head
      const rows = await db.rows(`SELECT CAST(${sqlIdent(name)} AS VARCHAR) AS v, count(*) AS n FROM ${table} GROUP BY 1 HAVING count(*) >= ${options.minCount} ORDER BY n DESC, v`);
      values = rows.map((r) => String(r.v));
    }
    vocabularies.push({ name, values, oovIndex: values.length });
  }
  const catalogIds = async (sql: string): Promise<Float64Array> => {
    const n = Number(await db.scalar(`SELECT count(*) FROM (${sql})`));
    const ids = new Float64Array(n);
    await db.readInto(sql, { id: ids });
    return ids;
  };
  const ids = {
    user_id: fitIdEncoder(await catalogIds('SELECT user_id AS id FROM user_catalog'), options.maxIdRows, 0x75736572),
    ad_id: fitIdEncoder(await catalogIds('SELECT ad_id AS id FROM ad_catalog'), options.maxIdRows, 0x61640000),
  };
  const statsRow = (await db.rows(`SELECT ${NUMERICAL_COLUMNS.map((c) => `avg(${c}) AS "${c}_mean", coalesce(stddev_samp(${c}), 0) AS "${c}_std"`).join(', ')} FROM ${table}`))[0];
  const numerical = NUMERICAL_COLUMNS.map((name) => ({ name, mean: Number(statsRow[`${name}_mean`] ?? 0), std: Number(statsRow[`${name}_std`] ?? 0) }));
  return withHash({ version: 1, fittedOn: { ...fittedOn, trainingRows }, vocabularies, ids, numerical });
}

function canonicalJson(content: FeatureMapContent): string {
  return JSON.stringify(content);
}

function withHash(content: FeatureMapContent): FeatureMap {
  return { ...content, contentHash: 'sha256:' + createHash('sha256').update(canonicalJson(content)).digest('hex') };
}

/** The embedding table sizes for a model configured from this FeatureMap, in embedding order. */
export function fieldCardinalities(map: FeatureMap): { name: string; cardinality: number }[] {
  return [
    ...map.vocabularies.map((v) => ({ name: v.name, cardinality: v.values.length + 1 })),
    { name: 'user_id', cardinality: idCardinality(map.ids.user_id) },
    { name: 'ad_id', cardinality: idCardinality(map.ids.ad_id) },
  ];
}

export async function saveFeatureMap(path: string, map: FeatureMap): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(map, null, 1) + '\n');
}

export async function loadFeatureMap(path: string): Promise<FeatureMap> {
  let parsed: FeatureMap;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as FeatureMap;
  } catch (e) {
    throw new AdrankError('BAD_ARTIFACT', `cannot read the FeatureMap at ${path}: ${(e as Error).message}`, {
      location: { file: path },
      hint: 'build it with `adrank features --data DIR --run RUN`',
    });
  }
  const { contentHash, ...content } = parsed;
  const expected = withHash(content as FeatureMapContent).contentHash;
  if (parsed.version !== 1 || contentHash !== expected) {
    throw new AdrankError('BAD_ARTIFACT', `the FeatureMap at ${path} does not match its content hash`, {
      location: { file: path, field: 'contentHash', value: String(contentHash) },
      hint: 'the file was edited or truncated; rebuild it with `adrank features`',
    });
  }
  return parsed;
}
