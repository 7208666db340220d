// The readers of an input file and the staged table: one pass that casts each row to its final types while a
// bit mask (__problems, bit i = checks[i]) records which row checks it fails. A second, all-text reading of
// the file is made only when there are problems, to show offending values as written.
import { AdrankError } from '../core/errors.js';
import { rawType, type RowCheck } from './checks.js';
import { Db, sqlIdent, sqlString } from './duckdb.js';
import { eventTimeStageColumns } from './event-time.js';
import { TABLE_COLUMNS } from './schema.js';
import type { TableSource } from './sources.js';

/** Final column types; ids stay BIGINT, small integers become UTINYINT. */
const FINAL_TYPE: Record<string, string> = {
  user_id: 'BIGINT', ad_id: 'BIGINT', advertiser_id: 'BIGINT', bid: 'DOUBLE',
  weekday: 'UTINYINT', month: 'UTINYINT', hour: 'UTINYINT', clicked: 'UTINYINT', converted: 'UTINYINT',
};

/** What a reader reads: the table's source and the path handed to DuckDB (a cleaned copy of a CSV file, or the file). */
export interface ReadInput {
  source: TableSource;
  readPath: string;
}

// Every dialect option fixed: the sniffer must not decide that `#` starts a comment or that the first rows are to be skipped.
const CSV_DIALECT = `header=true, delim=',', quote='"', escape='"', comment='', skip=0`;

/** Column name → DuckDB type as the reader sees the file. */
export async function describeColumns(db: Db, input: ReadInput): Promise<Map<string, string>> {
  const { source } = input;
  try {
    // ignore_errors keeps the sniffer from giving up on a file with a few bad rows; they are reported later
    const reader = source.format === 'csv' ? `read_csv(${sqlString(input.readPath)}, ${CSV_DIALECT}, ignore_errors=true)` : `read_parquet(${sqlString(input.readPath)})`;
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
 * The reader of a file with the table's columns at their raw types (numbers as DOUBLE, text as VARCHAR,
 * event_time as text in CSV). Parquet columns are converted with TRY_CAST and flagged (__bad_<col>) when they
 * do not convert; CSV values that do not parse go to the rejects table.
 */
function readerSql(input: ReadInput, present: Map<string, string>, rejects: string): string {
  const specs = TABLE_COLUMNS[input.source.table].filter((s) => present.has(s.name));
  if (input.source.format === 'parquet') {
    const cols = specs.flatMap((s) => {
      const c = sqlIdent(s.name);
      const t = rawType(s);
      if (!t) return [c];
      return [`TRY_CAST(${c} AS ${t}) AS ${c}`, `(${c} IS NOT NULL AND TRY_CAST(${c} AS ${t}) IS NULL) AS ${sqlIdent('__bad_' + s.name)}`];
    });
    return `(SELECT ${cols.join(', ')} FROM read_parquet(${sqlString(input.readPath)}))`;
  }
  const types = specs.map((s) => `${sqlString(s.name)}: ${sqlString(rawType(s) ?? 'VARCHAR')}`);
  const options = [CSV_DIALECT, `types={${types.join(', ')}}`, `store_rejects=true`, `rejects_table=${sqlString(rejects)}`, `rejects_scan=${sqlString(rejects + '_scan')}`];
  return `(SELECT ${specs.map((s) => sqlIdent(s.name)).join(', ')} FROM read_csv(${sqlString(input.readPath)}, ${options.join(', ')}))`;
}

/** The reader's type of event_time (text for CSV). */
export function eventTimeReaderType(input: ReadInput, present: Map<string, string>): string {
  return input.source.format === 'csv' ? 'VARCHAR' : (present.get('event_time') ?? 'VARCHAR');
}

export async function stageTable(db: Db, input: ReadInput, staged: string, rejects: string, present: Map<string, string>, checks: RowCheck[]): Promise<void> {
  const specs = TABLE_COLUMNS[input.source.table].filter((s) => present.has(s.name));
  const mask = checks.length ? checks.map((c, i) => `CASE WHEN ${c.condition} THEN ${BigInt(1) << BigInt(i)} ELSE 0 END`).join(' | ') : '0';
  const cols = specs.flatMap((s) => {
    const c = sqlIdent(s.name);
    if (s.name === 'event_time') return eventTimeStageColumns(eventTimeReaderType(input, present));
    return [FINAL_TYPE[s.name] ? `TRY_CAST(${c} AS ${FINAL_TYPE[s.name]}) AS ${c}` : c];
  });
  await db.run(`CREATE OR REPLACE TEMP TABLE ${staged} AS SELECT ${cols.join(', ')}, __problems FROM (SELECT *, (${mask})::BIGINT AS __problems FROM ${readerSql(input, present, rejects)})`);
}

/**
 * Reads the file again with every column as text, for showing values as written. Its rows are numbered
 * like the staged table's, except for rows this reader rejects (returned as 1-based lines).
 */
export async function stageRaw(db: Db, input: ReadInput, raw: string, present: Map<string, string>): Promise<number[]> {
  const specs = TABLE_COLUMNS[input.source.table].filter((s) => present.has(s.name));
  const cols = specs.map((s) => `CAST(${sqlIdent(s.name)} AS VARCHAR) AS ${sqlIdent(s.name)}`).join(', ');
  if (input.source.format === 'parquet') {
    await db.run(`CREATE OR REPLACE TEMP TABLE ${raw} AS SELECT ${cols} FROM read_parquet(${sqlString(input.readPath)})`);
    return [];
  }
  const rejects = `${raw}_rejects`;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${raw} AS SELECT ${cols} FROM read_csv(${sqlString(input.readPath)}, ${CSV_DIALECT}, all_varchar=true, store_rejects=true, rejects_table=${sqlString(rejects)}, rejects_scan=${sqlString(rejects + '_scan')})`);
  return (await db.rows(`SELECT DISTINCT line FROM ${rejects} ORDER BY line`)).map((r) => Number(r.line));
}
