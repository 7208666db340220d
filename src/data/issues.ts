// Validation issues: grouped by (code, column) with counts and the first offending rows and values (as
// written in the file), and the typed error raised for the first of them when bad rows are not to be skipped.
import { AdrankError, type ErrorCode } from '../core/errors.js';
import type { RowCheck } from './checks.js';
import type { Db } from './duckdb.js';
import type { TableName } from './schema.js';
import type { TableSource } from './sources.js';
import type { RawIssue } from './rejects.js';
import type { RowNumbering } from './row-numbering.js';

export interface IssueSummary {
  table: TableName;
  file: string;
  code: ErrorCode;
  column: string;
  problem: string;
  hint: string;
  count: number;
  examples: { row: number; value: string }[];
}

export const EXAMPLES_PER_ISSUE = 3;

export function summariseRejects(source: TableSource, rejects: RawIssue[]): IssueSummary[] {
  const byKind = new Map<string, IssueSummary>();
  for (const r of rejects) {
    const k = `${r.code}\u0000${r.column}`;
    let s = byKind.get(k);
    if (!s) {
      s = { table: source.table, file: source.path, code: r.code, column: r.column, problem: r.problem, hint: r.hint, count: 0, examples: [] };
      byKind.set(k, s);
    }
    s.count++;
    if (s.examples.length < EXAMPLES_PER_ISSUE) s.examples.push({ row: r.row, value: r.value });
  }
  return [...byKind.values()];
}

/** The all-text reading of a file (see stageRaw) and how its rows map to the file's. */
export interface RawReading {
  table: string;
  rows: RowNumbering;
}

/**
 * Summaries of the rows flagged in `staged.__problems` (bit i = checks[i]), with the first rows of each and
 * their values as written, read from the all-text reading that `readRaw` makes on first use.
 */
export async function describeIssues(
  db: Db,
  source: TableSource,
  staged: string,
  checks: RowCheck[],
  stagedRows: RowNumbering,
  readRaw: () => Promise<RawReading>,
): Promise<IssueSummary[]> {
  const bit = (i: number): string => String(BigInt(1) << BigInt(i));
  const countRow = (await db.rows(`SELECT ${checks.map((_, i) => `count(*) FILTER (WHERE __problems & ${bit(i)} <> 0) AS c${i}`).join(', ')} FROM ${staged}`))[0];
  let raw: RawReading | undefined;
  const issues: IssueSummary[] = [];
  for (let i = 0; i < checks.length; i++) {
    const count = Number(countRow[`c${i}`]);
    if (count === 0) continue;
    const check = checks[i];
    const rowIds = (await db.rows(`SELECT rowid AS rid FROM ${staged} WHERE __problems & ${bit(i)} <> 0 ORDER BY rowid LIMIT ${EXAMPLES_PER_ISSUE}`)).map((r) => Number(r.rid));
    const fileRows = rowIds.map((id) => stagedRows.rowOf(id));
    raw ??= await readRaw();
    const rawIds = fileRows.map((row) => raw!.rows.indexOf(row)).filter((id) => id >= 0);
    const values = new Map<number, string>();
    if (rawIds.length) {
      for (const v of await db.rows(`SELECT rowid AS rid, ${check.value} AS value FROM ${raw.table} WHERE rowid IN (${rawIds.join(', ')})`)) {
        values.set(raw.rows.rowOf(Number(v.rid)), v.value === null ? '' : String(v.value));
      }
    }
    issues.push({
      table: source.table, file: source.path, code: check.code, column: check.column, problem: check.problem, hint: check.hint, count,
      examples: fileRows.map((row) => ({ row, value: values.get(row) ?? '' })),
    });
  }
  if (raw) await db.run(`DROP TABLE ${raw.table}`);
  return issues;
}

/** The error for the earliest problem of the first table that has any, with all issue summaries as details. */
export function firstIssueError(issues: IssueSummary[]): AdrankError {
  const rowOf = (i: IssueSummary): number => i.examples[0]?.row ?? Infinity;
  const first = issues.filter((i) => i.table === issues[0].table).reduce((best, i) => (rowOf(i) < rowOf(best) ? i : best));
  const example = first.examples[0];
  const total = issues.reduce((s, i) => s + i.count, 0);
  const tables = new Set(issues.map((i) => i.table)).size;
  const more = total > 1 ? ` (${total} problems of ${issues.length} kind${issues.length > 1 ? 's' : ''}${tables > 1 ? ` in ${tables} tables` : ''}; --on-bad-row skip drops bad rows)` : '';
  return new AdrankError(first.code, `${first.table}: ${first.problem}${more}`, {
    location: { file: first.file, row: example?.row, column: first.column, value: example?.value },
    hint: first.hint,
    details: issues,
  });
}
