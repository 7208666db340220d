// Loads and validates the input tables into DuckDB. Every problem is reported with its file, row,
// column, value and a hint; with onBadRow 'skip' bad rows are dropped and counted instead.
// Result tables (typed, in event order): user_catalog, ad_catalog, event_log[, test_event_log].
//
// One pass per file: the reader's rows are cast to their final types while a bit mask records which
// checks each row fails. Only when a problem exists is the file read again to show offending values.
import { AdrankError, type ErrorCode } from '../core/errors.js';
import { tableChecks, rawType, type RowCheck } from './checks.js';
import { Db, sqlIdent, sqlString } from './duckdb.js';
import { CATALOG_KEY, TABLE_COLUMNS, type TableName } from './schema.js';
import type { DataSources, TableSource } from './sources.js';
import { readRejects, type RawIssue } from './rejects.js';
import { describeIssues, firstIssueError, rowMapper, summariseRejects, type IssueSummary } from './issues.js';

export type OnBadRow = 'fail' | 'skip';

export interface TableReport {
  table: TableName;
  file: string;
  format: string;
  rowsRead: number;
  rowsKept: number;
  rowsDropped: number;
}

export interface ValidationReport {
  ok: boolean;
  onBadRow: OnBadRow;
  tables: TableReport[];
  issues: IssueSummary[];
}

export interface LoadedData {
  db: Db;
  sources: DataSources;
  report: ValidationReport;
  counts: { users: number; ads: number; events: number; testEvents: number };
  hasEventTime: boolean;
}

/** Final column types; ids stay BIGINT, small integers become UTINYINT. */
const FINAL_TYPE: Record<string, string> = {
  user_id: 'BIGINT', ad_id: 'BIGINT', advertiser_id: 'BIGINT', bid: 'DOUBLE',
  weekday: 'UTINYINT', month: 'UTINYINT', hour: 'UTINYINT', clicked: 'UTINYINT', converted: 'UTINYINT',
};

// Numbers order as they are; timestamps and dates by their epoch seconds.
const EVENT_TIME_SECONDS = 'coalesce(TRY_CAST(event_time AS DOUBLE), epoch(TRY_CAST(event_time AS TIMESTAMP)))';

/** Loads all tables (catalogues first, so events can be checked against them). */
export async function loadData(sources: DataSources, options: { onBadRow?: OnBadRow; db?: Db } = {}): Promise<LoadedData> {
  const onBadRow = options.onBadRow ?? 'fail';
  const db = options.db ?? (await Db.open());
  const report: ValidationReport = { ok: true, onBadRow, tables: [], issues: [] };
  let hasEventTime = false;
  try {
    const order: TableSource[] = [sources.user_catalog, sources.ad_catalog, sources.event_log];
    if (sources.test_event_log) order.push(sources.test_event_log);
    for (const source of order) {
      const result = await loadTable(db, source, onBadRow);
      report.tables.push(result.table);
      report.issues.push(...result.issues);
      if (result.issues.length) report.ok = false;
      if (source.table === 'event_log') hasEventTime = result.hasEventTime;
    }
    const count = async (t: string): Promise<number> => Number(await db.scalar(`SELECT count(*) FROM ${t}`));
    return {
      db, sources, report, hasEventTime,
      counts: {
        users: await count('user_catalog'),
        ads: await count('ad_catalog'),
        events: await count('event_log'),
        testEvents: sources.test_event_log ? await count('test_event_log') : 0,
      },
    };
  } catch (e) {
    if (!options.db) db.close();
    throw e;
  }
}

async function loadTable(db: Db, source: TableSource, onBadRow: OnBadRow): Promise<{ table: TableReport; issues: IssueSummary[]; hasEventTime: boolean }> {
  const { table, path } = source;
  const present = await describeColumns(db, source);
  const specs = TABLE_COLUMNS[table];
  const missing = specs.find((s) => !s.optional && !present.has(s.name));
  if (missing) {
    throw new AdrankError('MISSING_COLUMN', `${table} has no column "${missing.name}"`, {
      location: { file: path, column: missing.name },
      hint: `${table} needs the columns ${specs.filter((s) => !s.optional).map((s) => s.name).join(', ')}; found ${[...present.keys()].join(', ') || 'none'}`,
    });
  }
  const hasEventTime = present.has('event_time');
  const checks = tableChecks(table, new Set(present.keys()), source.format === 'parquet');
  if (hasEventTime) checks.push(...eventTimeChecks(present.get('event_time')!));
  const staged = `staged_${table}`;
  const rejectsTable = `rejects_${table}`;
  await stageTable(db, source, staged, rejectsTable, present, checks);
  const rejects = source.format === 'csv' ? await readRejects(db, rejectsTable, source) : [];

  // Duplicate keys in catalogues and unknown references in event logs get their own bits.
  const key = CATALOG_KEY[table];
  const setChecks: RowCheck[] = [];
  const markBit = async (check: RowCheck, rowsSql: string): Promise<void> => {
    const bit = BigInt(1) << BigInt(checks.length + setChecks.length);
    setChecks.push(check);
    await db.run(`UPDATE ${staged} SET __problems = __problems | ${bit} WHERE rowid IN (${rowsSql})`);
  };
  if (key) {
    const k = sqlIdent(key);
    await markBit(
      { code: 'DUPLICATE_ID', column: key, condition: '', value: `CAST(${k} AS VARCHAR)`, problem: `duplicate ${key}`, hint: `each ${key} must appear once in ${table}; the first occurrence is kept with --on-bad-row skip` },
      `SELECT rid FROM (SELECT rowid AS rid, row_number() OVER (PARTITION BY ${k} ORDER BY rowid) AS n FROM ${staged} WHERE ${k} IS NOT NULL) WHERE n > 1`,
    );
  } else {
    for (const [column, catalog] of [['user_id', 'user_catalog'], ['ad_id', 'ad_catalog']] as const) {
      await markBit(
        { code: 'UNKNOWN_REFERENCE', column, condition: '', value: `CAST(${column} AS VARCHAR)`, problem: `${column} not in ${catalog}`, hint: `every event must reference a ${column} of ${catalog}; add it to the catalogue or drop the event` },
        `SELECT e.rowid FROM ${staged} e WHERE e.${column} IS NOT NULL AND e.__problems = 0 AND NOT EXISTS (SELECT 1 FROM ${catalog} c WHERE c.${column} = e.${column})`,
      );
    }
  }

  const badRows = Number(await db.scalar(`SELECT count(*) FROM ${staged} WHERE __problems <> 0`));
  const issues = summariseRejects(source, rejects);
  if (badRows > 0) issues.push(...(await describeIssues(db, source, staged, [...checks, ...setChecks], checks.length, rowMapper(rejects), (raw) => stageRaw(db, source, raw, present))));
  if (issues.length && onBadRow === 'fail') throw firstIssueError(issues);

  const accepted = Number(await db.scalar(`SELECT count(*) FROM ${staged}`));
  await createFinalTable(db, table, staged, badRows > 0, hasEventTime);
  await db.run(`DROP TABLE ${staged}`);
  const rowsKept = Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  if (rowsKept === 0 && table !== 'test_event_log') {
    throw new AdrankError('EMPTY_TABLE', `${table} has no usable rows`, {
      location: { file: path },
      hint: issues.length ? 'every row had a problem; see the validation report' : 'the file has a header but no data rows',
    });
  }
  const rowsRead = accepted + new Set(rejects.map((r: RawIssue) => r.row)).size;
  return { table: { table, file: path, format: source.format, rowsRead, rowsKept, rowsDropped: rowsRead - rowsKept }, issues, hasEventTime };
}

/** Column name → DuckDB type as the reader sees the file. */
async function describeColumns(db: Db, source: TableSource): Promise<Map<string, string>> {
  try {
    // ignore_errors keeps the sniffer from giving up on a file with a few malformed rows; they are reported later
    const reader = source.format === 'csv' ? `read_csv(${sqlString(source.path)}, header=true, delim=',', quote='"', ignore_errors=true)` : readerSql(source, new Map());
    const rows = await db.rows(`DESCRIBE SELECT * FROM ${reader}`);
    return new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
  } catch (e) {
    throw new AdrankError('MALFORMED_ROW', `cannot read ${source.table}: ${(e as Error).message.split('\n')[0]}`, {
      location: { file: source.path },
      hint: source.format === 'csv' ? 'expected a comma-separated file with a header row' : 'expected a Parquet file',
    });
  }
}

/**
 * The reader of a file with the table's columns at their raw types (numbers as DOUBLE, text as VARCHAR).
 * Parquet columns are converted with TRY_CAST and flagged (__bad_<col>, __raw_<col>) when they do not convert;
 * CSV values that do not parse go to the rejects table.
 */
function readerSql(source: TableSource, present: Map<string, string>, rejects?: string): string {
  const specs = TABLE_COLUMNS[source.table].filter((s) => present.has(s.name));
  if (source.format === 'parquet') {
    const base = `read_parquet(${sqlString(source.path)})`;
    if (!specs.length) return base;
    const cols = specs.flatMap((s) => {
      const c = sqlIdent(s.name);
      const t = rawType(s);
      if (!t) return [c];
      return [`TRY_CAST(${c} AS ${t}) AS ${c}`, `(${c} IS NOT NULL AND TRY_CAST(${c} AS ${t}) IS NULL) AS ${sqlIdent('__bad_' + s.name)}`, `CAST(${c} AS VARCHAR) AS ${sqlIdent('__raw_' + s.name)}`];
    });
    return `(SELECT ${cols.join(', ')} FROM ${base})`;
  }
  const options = [`header=true`, `delim=','`, `quote='"'`];
  const types = specs.filter((s) => rawType(s)).map((s) => `${sqlString(s.name)}: ${sqlString(rawType(s)!)}`);
  if (types.length) options.push(`types={${types.join(', ')}}`);
  if (rejects) options.push(`store_rejects=true`, `rejects_table=${sqlString(rejects)}`, `rejects_scan=${sqlString(rejects + '_scan')}`);
  const reader = `read_csv(${sqlString(source.path)}, ${options.join(', ')})`;
  return specs.length ? `(SELECT ${specs.map((s) => sqlIdent(s.name)).join(', ')} FROM ${reader})` : reader;
}

async function stageTable(db: Db, source: TableSource, staged: string, rejects: string, present: Map<string, string>, checks: RowCheck[]): Promise<void> {
  const specs = TABLE_COLUMNS[source.table].filter((s) => present.has(s.name));
  const mask = checks.length ? checks.map((c, i) => `CASE WHEN ${c.condition} THEN ${BigInt(1) << BigInt(i)} ELSE 0 END`).join(' | ') : '0';
  const cols = specs.map((s) => {
    const c = sqlIdent(s.name);
    if (s.name === 'event_time') return `${EVENT_TIME_SECONDS} AS event_time`;
    return FINAL_TYPE[s.name] ? `TRY_CAST(${c} AS ${FINAL_TYPE[s.name]}) AS ${c}` : c;
  });
  await db.run(`CREATE OR REPLACE TEMP TABLE ${staged} AS SELECT ${cols.join(', ')}, __problems FROM (SELECT *, (${mask})::BIGINT AS __problems FROM ${readerSql(source, present, rejects)})`);
}

/** Reads the file again with raw values (for showing what was wrong); same reader, so same row ids. */
async function stageRaw(db: Db, source: TableSource, raw: string, present: Map<string, string>): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE ${raw} AS SELECT * FROM ${readerSql(source, present, `rejects_again_${source.table}`)}`);
}

function eventTimeChecks(type: string): RowCheck[] {
  if (/^(TIMESTAMP|DATE|DOUBLE|FLOAT|BIGINT|INTEGER|HUGEINT|SMALLINT|TINYINT|UBIGINT|UINTEGER|DECIMAL)/.test(type)) return [];
  return [{
    code: 'BAD_TYPE', column: 'event_time', condition: `event_time IS NOT NULL AND TRY_CAST(event_time AS TIMESTAMP) IS NULL`,
    value: 'CAST(event_time AS VARCHAR)', problem: 'not a number or a timestamp', hint: 'event_time must be a number (e.g. epoch seconds) or a timestamp like 2026-01-31 12:00:00',
  }];
}

async function createFinalTable(db: Db, table: TableName, staged: string, hasBad: boolean, hasEventTime: boolean): Promise<void> {
  const keep = hasBad ? 'WHERE __problems = 0' : '';
  const specs = TABLE_COLUMNS[table].filter((s) => s.name !== 'event_time' || hasEventTime);
  // Text columns are stored as ENUMs: one or two bytes a row and integer-speed joins and group-bys,
  // while every reader still sees the strings.
  const columns: string[] = [];
  for (const s of specs) {
    const c = sqlIdent(s.name);
    if (s.type.kind !== 'enum' && s.type.kind !== 'category') {
      columns.push(c);
      continue;
    }
    const type = sqlIdent(`${table}_${s.name}`);
    await db.run(`CREATE OR REPLACE TYPE ${type} AS ENUM (SELECT DISTINCT ${c} FROM ${staged} WHERE ${c} IS NOT NULL ${hasBad ? 'AND __problems = 0' : ''} ORDER BY 1)`);
    columns.push(`CAST(${c} AS ${type}) AS ${c}`);
  }
  const cols = columns.join(', ');
  if (table === 'user_catalog' || table === 'ad_catalog') {
    const idx = table === 'user_catalog' ? 'user_idx' : 'ad_idx';
    await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT (row_number() OVER (ORDER BY rowid) - 1)::INTEGER AS ${idx}, ${cols} FROM ${staged} ${keep} ORDER BY ${idx}`);
    return;
  }
  if (!hasBad && !hasEventTime) {
    // Clean and in file order: the row id is the event index, no sort needed.
    await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT rowid::INTEGER AS event_idx, ${cols} FROM ${staged}`);
    return;
  }
  const order = hasEventTime ? 'event_time, rowid' : 'rowid';
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT (row_number() OVER (ORDER BY ${order}) - 1)::INTEGER AS event_idx, ${cols} FROM ${staged} ${keep} ORDER BY event_idx`);
}
