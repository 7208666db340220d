// Checks of RUN/online/ before it is read: meta.json has the expected shape, and every Parquet file is there,
// readable, has its columns with usable types, and values a store can serve (no missing ids, no duplicates, CTRs
// in [0, 1], categories and formats that meta.json names, the row counts it states). Any failure is a BAD_ARTIFACT
// naming the file, and the column when one is at fault.
import { AdrankError } from '../../core/errors.js';
import { sqlIdent, sqlString, type Db } from '../../data/duckdb.js';
import type { OnlineMeta } from './tables.js';

type Kind = 'integer' | 'number' | 'text';

export const ONLINE_FILES = {
  'users.parquet': { user_id: 'integer', age_group: 'text', gender: 'text', country: 'text', user_historical_ctr: 'number', impressions: 'integer' },
  'ads.parquet': { ad_id: 'integer', category: 'text', advertiser_id: 'integer', format: 'text', bid: 'number', ad_historical_ctr: 'number', impressions: 'integer', clicks: 'integer' },
  'user_category.parquet': { user_id: 'integer', category: 'text', ctr: 'number', converted: 'integer', impressions: 'integer' },
  'user_advertiser.parquet': { user_id: 'integer', advertiser_id: 'integer' },
} as const satisfies Record<string, Record<string, Kind>>;

export type OnlineFile = keyof typeof ONLINE_FILES;

const HINT = 'rebuild the run with `adrank features --data DIR --run RUN`';

export function badArtifact(file: string, message: string, column?: string, value?: string): AdrankError {
  return new AdrankError('BAD_ARTIFACT', message, { location: { file, column, value }, hint: HINT });
}

const isNumberList = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
const isStringList = (x: unknown): x is string[] => Array.isArray(x) && x.every((v) => typeof v === 'string');
const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;

/** Parses and checks meta.json. */
export function checkMeta(text: string, file: string): OnlineMeta {
  let value: Partial<Record<keyof OnlineMeta, unknown>>;
  try {
    value = JSON.parse(text) as typeof value;
  } catch (e) {
    throw badArtifact(file, `${file} is not JSON: ${(e as Error).message}`);
  }
  const problems: [keyof OnlineMeta, boolean][] = [
    ['version', value?.version === 1],
    ['globalCtr', typeof value?.globalCtr === 'number' && value.globalCtr >= 0 && value.globalCtr <= 1],
    ['ctrPriorStrength', typeof value?.ctrPriorStrength === 'number' && value.ctrPriorStrength >= 0],
    ['categories', isStringList(value?.categories)],
    ['categoryMeanCtr', isNumberList(value?.categoryMeanCtr) && isStringList(value?.categories) && value.categoryMeanCtr.length === value.categories.length],
    ['formats', isStringList(value?.formats)],
    ['users', isCount(value?.users)],
    ['ads', isCount(value?.ads)],
  ];
  const bad = problems.find(([, ok]) => !ok);
  if (bad) throw badArtifact(file, `${file} has a missing or malformed "${bad[0]}"`, bad[0], JSON.stringify(value?.[bad[0]] ?? null)?.slice(0, 80));
  return value as OnlineMeta;
}

const INTEGER_TYPES = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;
const NUMBER_TYPES = /^(FLOAT|DOUBLE|DECIMAL\(\d+,\s*\d+\))$/;

function kindOk(kind: Kind, type: string): boolean {
  if (kind === 'text') return type === 'VARCHAR';
  return INTEGER_TYPES.test(type) || (kind === 'number' && NUMBER_TYPES.test(type));
}

/** A value rule: `ok` judges a column from its summary; `bad` (SQL) finds offending rows when it fails. */
interface Rule {
  column: string;
  what: string;
  bad: string;
  ok(summary: ColumnSummary): boolean;
}

/** One scan's worth of facts about a column: non-null count, min and max (numbers), distinct values (text). */
interface ColumnSummary {
  rows: number;
  nonNull: number;
  min: number;
  max: number;
  distinct: string[];
}

function rules(name: OnlineFile, meta: OnlineMeta): Rule[] {
  const column = (c: string): string => sqlIdent(c);
  const ctr = (c: string): Rule => ({ column: c, what: 'a CTR outside [0, 1]', bad: `NOT (${column(c)} BETWEEN 0 AND 1)`, ok: (s) => s.min >= 0 && s.max <= 1 });
  const id = (c: string): Rule => ({ column: c, what: 'a negative id', bad: `${column(c)} < 0`, ok: (s) => s.nonNull === 0 || s.min >= 0 });
  const listed = (c: string, values: string[], listName: string): Rule => ({
    column: c, what: `a ${c} meta.json does not list in "${listName}"`, bad: `list_position([${values.map(sqlString).join(', ') || "''"}], ${column(c)}) IS NULL`,
    ok: (s) => s.distinct.every((v) => values.includes(v)),
  });
  const all: Rule[] = Object.keys(ONLINE_FILES[name]).map((c) => ({ column: c, what: 'a missing value', bad: `${column(c)} IS NULL`, ok: (s) => s.nonNull === s.rows }));
  const count = (c: string): Rule => ({ column: c, what: 'a negative count', bad: `${column(c)} < 0`, ok: (s) => s.nonNull === 0 || s.min >= 0 });
  if (name === 'users.parquet') all.push(id('user_id'), ctr('user_historical_ctr'), count('impressions'));
  if (name === 'ads.parquet') {
    all.push(id('ad_id'), id('advertiser_id'), ctr('ad_historical_ctr'), count('impressions'), count('clicks'), listed('category', meta.categories, 'categories'), listed('format', meta.formats, 'formats'));
    all.push({ column: 'bid', what: 'a bid that is not a finite number > 0', bad: 'NOT (bid > 0 AND isfinite(bid))', ok: (s) => s.min > 0 && Number.isFinite(s.max) });
  }
  if (name === 'user_category.parquet') {
    all.push(id('user_id'), ctr('ctr'), count('impressions'), listed('category', meta.categories, 'categories'));
    all.push({ column: 'converted', what: 'a conversion flag other than 0 or 1', bad: 'converted NOT IN (0, 1)', ok: (s) => s.min >= 0 && s.max <= 1 });
  }
  if (name === 'user_advertiser.parquet') all.push(id('user_id'), id('advertiser_id'));
  return all;
}

/** Summaries of every column of `source` in one scan. */
async function summarise(db: Db, source: string, name: OnlineFile): Promise<Map<string, ColumnSummary>> {
  const columns = Object.entries(ONLINE_FILES[name]) as [string, Kind][];
  const parts = columns.map(([c, kind], i) => {
    const q = sqlIdent(c);
    return kind === 'text' ? `count(${q}) AS n${i}, list(DISTINCT ${q}) AS d${i}` : `count(${q}) AS n${i}, min(${q})::DOUBLE AS lo${i}, max(${q})::DOUBLE AS hi${i}`;
  });
  const row = (await db.rows(`SELECT count(*) AS rows, ${parts.join(', ')} FROM ${source}`))[0];
  const rows = Number(row.rows);
  return new Map(columns.map(([c], i) => {
    const distinct = row[`d${i}`] as { items?: unknown[] } | null | undefined;
    return [c, { rows, nonNull: Number(row[`n${i}`]), min: Number(row[`lo${i}`] ?? NaN), max: Number(row[`hi${i}`] ?? NaN), distinct: (distinct?.items ?? []).filter((v) => v !== null).map(String) }];
  }));
}

/** Checks one online file: readable Parquet, its columns and types, servable values; returns its row count. */
export async function checkOnlineFile(db: Db, path: string, name: OnlineFile, meta: OnlineMeta): Promise<number> {
  const source = `read_parquet(${sqlString(path)})`;
  let columns: Map<string, string>;
  try {
    columns = new Map((await db.rows(`DESCRIBE SELECT * FROM ${source}`)).map((r) => [String(r.column_name), String(r.column_type)]));
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    throw badArtifact(path, /No files found|does not exist/i.test(reason) ? `${path} is missing` : `${path} is not a readable Parquet file: ${reason}`);
  }
  for (const [column, kind] of Object.entries(ONLINE_FILES[name]) as [string, Kind][]) {
    const type = columns.get(column);
    if (type === undefined) throw badArtifact(path, `${path} has no column "${column}"`, column);
    if (!kindOk(kind, type)) throw badArtifact(path, `column "${column}" of ${path} is ${type}, expected ${kind === 'text' ? 'VARCHAR' : `an ${kind} type`}`, column, type);
  }
  const summaries = await summarise(db, source, name);
  for (const rule of rules(name, meta)) {
    if (rule.ok(summaries.get(rule.column)!)) continue;
    const found = (await db.rows(`SELECT count(*) AS n, any_value(${sqlIdent(rule.column)}::VARCHAR) AS example FROM ${source} WHERE ${rule.bad}`))[0];
    const example = found.example === null ? undefined : String(found.example);
    throw badArtifact(path, `column "${rule.column}" of ${path} has ${rule.what} in ${Number(found.n)} row(s)`, rule.column, example);
  }
  const rows = summaries.values().next().value!.rows;
  const idColumn = name === 'users.parquet' ? 'user_id' : name === 'ads.parquet' ? 'ad_id' : undefined;
  if (idColumn && Number(await db.scalar(`SELECT count(DISTINCT ${idColumn}) FROM ${source}`)) !== rows) throw badArtifact(path, `${path} lists some ${idColumn} more than once`, idColumn);
  const expected = name === 'users.parquet' ? meta.users : name === 'ads.parquet' ? meta.ads : undefined;
  if (expected !== undefined && rows !== expected) throw badArtifact(path, `${path} has ${rows} rows, meta.json says ${expected}`);
  return rows;
}
