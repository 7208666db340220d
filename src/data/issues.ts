// Validation issues: grouped by (code, column) with counts and the first offending rows and values,
// and the typed error raised for the first of them when bad rows are not to be skipped.
import { AdrankError, type ErrorCode } from '../core/errors.js';
import type { RowCheck } from './checks.js';
import type { Db } from './duckdb.js';
import type { TableName } from './schema.js';
import type { TableSource } from './sources.js';
import type { RawIssue } from './rejects.js';

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

/** Maps a 0-based index among the reader's accepted rows to the 1-based data row of the file. */
export function rowMapper(rejects: RawIssue[]): (accepted: number) => number {
  const rejectedRows = [...new Set(rejects.map((r) => r.row))].sort((a, b) => a - b);
  return (accepted) => {
    let row = accepted + 1;
    for (const r of rejectedRows) {
      if (r <= row) row++;
      else break;
    }
    return row;
  };
}

/**
 * Summaries of the rows flagged in `staged.__problems` (bit i = checks[i]). The first `rowCheckCount`
 * checks are evaluated on raw values, which are read again through `stageRaw` to show them.
 */
export async function describeIssues(
  db: Db,
  source: TableSource,
  staged: string,
  checks: RowCheck[],
  rowCheckCount: number,
  toRow: (accepted: number) => number,
  stageRaw: (rawTable: string) => Promise<void>,
): Promise<IssueSummary[]> {
  const bit = (i: number): string => String(BigInt(1) << BigInt(i));
  const countRow = (await db.rows(`SELECT ${checks.map((_, i) => `count(*) FILTER (WHERE __problems & ${bit(i)} <> 0) AS c${i}`).join(', ')} FROM ${staged}`))[0];
  const raw = `raw_${source.table}`;
  let rawStaged = false;
  const issues: IssueSummary[] = [];
  for (let i = 0; i < checks.length; i++) {
    const count = Number(countRow[`c${i}`]);
    if (count === 0) continue;
    const check = checks[i];
    const rowIds = (await db.rows(`SELECT rowid AS rid FROM ${staged} WHERE __problems & ${bit(i)} <> 0 ORDER BY rowid LIMIT ${EXAMPLES_PER_ISSUE}`)).map((r) => Number(r.rid));
    let from = staged;
    if (i < rowCheckCount) {
      if (!rawStaged) await stageRaw(raw);
      rawStaged = true;
      from = raw;
    }
    const values = await db.rows(`SELECT rowid AS rid, ${check.value} AS value FROM ${from} WHERE rowid IN (${rowIds.join(', ')}) ORDER BY rowid`);
    issues.push({
      table: source.table, file: source.path, code: check.code, column: check.column, problem: check.problem, hint: check.hint, count,
      examples: values.map((v) => ({ row: toRow(Number(v.rid)), value: v.value === null ? '' : String(v.value) })),
    });
  }
  if (rawStaged) await db.run(`DROP TABLE ${raw}`);
  return issues;
}

/** The error for the earliest problem in the file, with all issue summaries as details. */
export function firstIssueError(issues: IssueSummary[]): AdrankError {
  const rowOf = (i: IssueSummary): number => i.examples[0]?.row ?? Infinity;
  const first = issues.reduce((best, i) => (rowOf(i) < rowOf(best) ? i : best));
  const example = first.examples[0];
  const total = issues.reduce((s, i) => s + i.count, 0);
  const more = total > 1 ? ` (${total} problems of ${issues.length} kind${issues.length > 1 ? 's' : ''}; --on-bad-row skip drops bad rows)` : '';
  return new AdrankError(first.code, `${first.table}: ${first.problem}${more}`, {
    location: { file: first.file, row: example?.row, column: first.column, value: example?.value },
    hint: first.hint,
    details: issues,
  });
}
