// Rows DuckDB's CSV reader could not accept (wrong number of fields, text in a number column…),
// turned into issues with the file's data row number.
import type { ErrorCode } from '../core/errors.js';
import type { Db } from './duckdb.js';
import type { TableSource } from './sources.js';

export interface RawIssue {
  code: ErrorCode;
  row: number; // 1-based data row (the header is line 1, so row = line - 1)
  column: string;
  value: string;
  problem: string;
  hint: string;
}

export async function readRejects(db: Db, rejectsTable: string, source: TableSource): Promise<RawIssue[]> {
  const rows = await db.rows(`SELECT line, column_name, error_type, csv_line, error_message FROM ${rejectsTable} ORDER BY line`);
  return rows.map((r) => {
    const row = Number(r.line) - 1;
    const errorType = String(r.error_type);
    const column = r.column_name === null ? '' : String(r.column_name);
    if (errorType === 'CAST') {
      const value = /Could not convert string "(.*)" to/.exec(String(r.error_message))?.[1] ?? String(r.csv_line);
      return { code: 'BAD_TYPE', row, column, value, problem: 'not a number', hint: `${column} must be numeric` };
    }
    return {
      code: 'MALFORMED_ROW',
      row,
      column,
      value: String(r.csv_line ?? ''),
      problem: `malformed CSV row (${errorType.toLowerCase()}: ${String(r.error_message)})`,
      hint: `${source.table} rows must have one comma-separated field per header column; quote fields that contain commas`,
    } satisfies RawIssue;
  });
}
