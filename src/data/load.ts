// Loads and validates the input tables into DuckDB. Every problem is reported with its file, row,
// column, value (as written) and a hint; with onBadRow 'skip' bad rows are dropped and counted instead,
// with 'fail' every table is still validated and then one error reports the problems of all of them.
// Result tables (typed, in event order): user_catalog, ad_catalog, event_log[, test_event_log].
//
// One pass per file (after a linear scan of a CSV file's record structure): the reader's rows are cast to
// their final types while a bit mask records which checks each row fails. Only when a problem exists is
// the file read again, as text, to show offending values.
import { AdrankError } from '../core/errors.js';
import { tableChecks, type RowCheck } from './checks.js';
import { CsvPreparation, type PreparedCsv } from './csv-input.js';
import { Db, sqlIdent } from './duckdb.js';
import { decideEventTime } from './event-time.js';
import { describeIssues, firstIssueError, summariseRejects, type IssueSummary } from './issues.js';
import { readRejects, type RawIssue } from './rejects.js';
import { RowNumbering } from './row-numbering.js';
import { CATALOG_KEY, TABLE_COLUMNS, type TableName } from './schema.js';
import type { DataSources, TableSource } from './sources.js';
import { describeColumns, stageRaw, stageTable, type ReadInput } from './staging.js';

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

interface TableResult {
  table: TableReport;
  issues: IssueSummary[];
  hasEventTime: boolean;
}

/** Loads all tables (catalogues first, so events can be checked against them). */
export async function loadData(sources: DataSources, options: { onBadRow?: OnBadRow; db?: Db } = {}): Promise<LoadedData> {
  const onBadRow = options.onBadRow ?? 'fail';
  const db = options.db ?? (await Db.open());
  const report: ValidationReport = { ok: true, onBadRow, tables: [], issues: [] };
  let hasEventTime = false;
  const order: TableSource[] = [sources.user_catalog, sources.ad_catalog, sources.event_log];
  if (sources.test_event_log) order.push(sources.test_event_log);
  const csv = new CsvPreparation(order);
  try {
    for (const [i, source] of order.entries()) {
      const prepared = await csv.get(i);
      const result = await stageAndCheck(db, { source, readPath: prepared?.readPath ?? source.path }, prepared, onBadRow);
      await prepared?.cleanup();
      report.tables.push(result.table);
      report.issues.push(...result.issues);
      if (result.issues.length) report.ok = false;
      if (source.table === 'event_log') hasEventTime = result.hasEventTime;
    }
    if (report.issues.length && onBadRow === 'fail') throw firstIssueError(report.issues);
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
  } finally {
    await csv.close();
  }
}

async function stageAndCheck(db: Db, input: ReadInput, csv: PreparedCsv | undefined, onBadRow: OnBadRow): Promise<TableResult> {
  const { source } = input;
  const { table, path } = source;
  const present = await describeColumns(db, input);
  checkColumns(source, present);
  const hasEventTime = present.has('event_time');
  const checks = tableChecks(table, new Set(present.keys()), source.format === 'parquet');
  const staged = `staged_${table}`;
  await stageTable(db, input, staged, `rejects_${table}`, present, checks);
  const readRows = new RowNumbering(csv?.removedRows ?? []);
  const rejects: RawIssue[] = [...(csv?.issues ?? []), ...(csv ? await readRejects(db, `rejects_${table}`, source, readRows) : [])].sort((a, b) => a.row - b.row);
  const stagedRows = new RowNumbering([...rejects.map((r) => r.row), ...(csv?.structure.blankRows ?? [])]);

  // Checks on the column or table as a whole set their own bits: event_time's kind, duplicate keys, references.
  const markBit = async (check: RowCheck, where: string): Promise<void> => {
    const bit = BigInt(1) << BigInt(checks.length);
    checks.push(check);
    await db.run(`UPDATE ${staged} SET __problems = __problems | ${bit} WHERE ${where}`);
  };
  const eventTime = hasEventTime ? await decideEventTime(db, staged) : undefined;
  if (eventTime) await markBit(eventTime.check, eventTime.check.condition);
  await markSetChecks(table, staged, markBit);

  const badRows = Number(await db.scalar(`SELECT count(*) FROM ${staged} WHERE __problems <> 0`));
  const issues = summariseRejects(source, rejects);
  if (badRows > 0) {
    issues.push(...(await describeIssues(db, source, staged, checks, stagedRows, async () => {
      const rawTable = `raw_${table}`;
      const rawRejected = (await stageRaw(db, input, rawTable, present)).map((line) => readRows.rowOf(line - 2));
      return { table: rawTable, rows: new RowNumbering([...(csv?.removedRows ?? []), ...rawRejected, ...(csv?.structure.blankRows ?? [])]) };
    })));
  }

  // When failing, every row stays, so that later tables are checked against the catalogue as written.
  const failing = onBadRow === 'fail' && issues.length > 0;
  const accepted = Number(await db.scalar(`SELECT count(*) FROM ${staged}`));
  await createFinalTable(db, table, staged, badRows > 0 && !failing, eventTime?.expression);
  await db.run(`DROP TABLE ${staged}`);
  const rowsKept = failing ? accepted - badRows : Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  if (rowsKept === 0 && table !== 'test_event_log' && !failing) {
    throw new AdrankError('EMPTY_TABLE', `${table} has no usable rows`, {
      location: { file: path },
      hint: issues.length ? 'every row had a problem; see the validation report' : 'the file has a header but no data rows',
    });
  }
  const rowsRead = accepted + new Set(rejects.map((r) => r.row)).size;
  return { table: { table, file: path, format: source.format, rowsRead, rowsKept, rowsDropped: rowsRead - rowsKept }, issues, hasEventTime };
}

function checkColumns(source: TableSource, present: Map<string, string>): void {
  const specs = TABLE_COLUMNS[source.table];
  const missing = specs.find((s) => !s.optional && !present.has(s.name));
  if (!missing) return;
  throw new AdrankError('MISSING_COLUMN', `${source.table} has no column "${missing.name}"`, {
    location: { file: source.path, column: missing.name },
    hint: `${source.table} needs the columns ${specs.filter((s) => !s.optional).map((s) => s.name).join(', ')}; found ${[...present.keys()].join(', ') || 'none'}`,
  });
}

/** Duplicate keys in catalogues; in event logs, users and ads missing from their catalogues. */
async function markSetChecks(table: TableName, staged: string, markBit: (check: RowCheck, where: string) => Promise<void>): Promise<void> {
  const key = CATALOG_KEY[table];
  if (key) {
    const k = sqlIdent(key);
    await markBit(
      { code: 'DUPLICATE_ID', column: key, condition: '', value: `CAST(${k} AS VARCHAR)`, problem: `duplicate ${key}`, hint: `each ${key} must appear once in ${table}; the first occurrence is kept with --on-bad-row skip` },
      `rowid IN (SELECT rid FROM (SELECT rowid AS rid, row_number() OVER (PARTITION BY ${k} ORDER BY rowid) AS n FROM ${staged} WHERE ${k} IS NOT NULL) WHERE n > 1)`,
    );
    return;
  }
  for (const [column, catalog] of [['user_id', 'user_catalog'], ['ad_id', 'ad_catalog']] as const) {
    await markBit(
      { code: 'UNKNOWN_REFERENCE', column, condition: '', value: `CAST(${column} AS VARCHAR)`, problem: `${column} not in ${catalog}`, hint: `every event must reference a ${column} of ${catalog}; add it to the catalogue or drop the event` },
      `rowid IN (SELECT e.rowid FROM ${staged} e WHERE e.${column} IS NOT NULL AND e.__problems = 0 AND NOT EXISTS (SELECT 1 FROM ${catalog} c WHERE c.${column} = e.${column}))`,
    );
  }
}

/** The table in its final types, in event order; `eventTime` is the SQL of event_time in seconds, when present. */
async function createFinalTable(db: Db, table: TableName, staged: string, dropBad: boolean, eventTime: string | undefined): Promise<void> {
  const keep = dropBad ? 'WHERE __problems = 0' : '';
  const specs = TABLE_COLUMNS[table].filter((s) => s.name !== 'event_time' || eventTime !== undefined);
  // Text columns are stored as ENUMs: one or two bytes a row and integer-speed joins and group-bys,
  // while every reader still sees the strings.
  const columns: string[] = [];
  for (const s of specs) {
    const c = sqlIdent(s.name);
    if (s.name === 'event_time') {
      columns.push(`${eventTime} AS event_time`);
      continue;
    }
    if (s.type.kind !== 'enum' && s.type.kind !== 'category') {
      columns.push(c);
      continue;
    }
    const type = sqlIdent(`${table}_${s.name}`);
    await db.run(`CREATE OR REPLACE TYPE ${type} AS ENUM (SELECT DISTINCT ${c} FROM ${staged} WHERE ${c} IS NOT NULL ${dropBad ? 'AND __problems = 0' : ''} ORDER BY 1)`);
    columns.push(`CAST(${c} AS ${type}) AS ${c}`);
  }
  const cols = columns.join(', ');
  if (table === 'user_catalog' || table === 'ad_catalog') {
    const idx = table === 'user_catalog' ? 'user_idx' : 'ad_idx';
    await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT (row_number() OVER (ORDER BY rowid) - 1)::INTEGER AS ${idx}, ${cols} FROM ${staged} ${keep} ORDER BY ${idx}`);
    return;
  }
  if (!dropBad && eventTime === undefined) {
    // In file order: the row id is the event index, no sort needed.
    await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT rowid::INTEGER AS event_idx, ${cols} FROM ${staged}`);
    return;
  }
  const order = eventTime !== undefined ? `${eventTime}, rowid` : 'rowid';
  await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT (row_number() OVER (ORDER BY ${order}) - 1)::INTEGER AS event_idx, ${cols} FROM ${staged} ${keep} ORDER BY event_idx`);
}
