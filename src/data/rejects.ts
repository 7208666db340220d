// Rows DuckDB's CSV reader could not accept (text in a number column, invalid UTF-8, an over-long line…),
// one issue per row, numbered as rows of the original file.
import type { ErrorCode } from '../core/errors.js';
import type { Db } from './duckdb.js';
import type { RowNumbering } from './row-numbering.js';
import type { TableSource } from './sources.js';

export interface RawIssue {
  code: ErrorCode;
  row: number; // 1-based data row of the original file (header excluded)
  column: string;
  value: string;
  problem: string;
  hint: string;
}

const SHOWN_CHARS = 160;

/**
 * Reads the rejects table of a CSV read. `readRows` maps the read file's rows to the original file's
 * (they differ when malformed records were kept away from the reader).
 */
export async function readRejects(db: Db, rejectsTable: string, source: TableSource, readRows: RowNumbering): Promise<RawIssue[]> {
  // the reader may report several errors for one row (one per missing field): keep its first
  const rows = await db.rows(`SELECT DISTINCT ON (line) line, column_name, error_type, left(csv_line, ${SHOWN_CHARS + 1}) AS csv_line, left(error_message, 400) AS error_message
    FROM ${rejectsTable} ORDER BY line, column_idx`);
  return rows.map((r) => {
    const row = readRows.rowOf(Number(r.line) - 2);
    const errorType = String(r.error_type);
    const column = r.column_name === null ? '' : String(r.column_name);
    const line = shorten(String(r.csv_line ?? '').replace(/\r?\n$/, ''));
    if (errorType === 'CAST') {
      const value = /Could not convert string "(.*)" to/.exec(String(r.error_message))?.[1] ?? line;
      return { code: 'BAD_TYPE', row, column, value, problem: 'not a number', hint: `${column} must be numeric` };
    }
    return {
      code: 'MALFORMED_ROW',
      row,
      column,
      value: line,
      problem: `malformed CSV row (${errorType.toLowerCase()}: ${String(r.error_message).split('\n')[0]})`,
      hint: `${source.table} rows must be valid UTF-8 with one comma-separated field per header column; quote fields that contain commas`,
    } satisfies RawIssue;
  });
}

function shorten(text: string): string {
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
}
