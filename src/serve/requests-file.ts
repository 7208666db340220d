// A file of ranking requests (`request_id,user_id,device,location,weekday,month,hour`, CSV or Parquet) read and
// validated like the input tables: every bad value is reported with its row (1-based, header excluded), column,
// value and a hint; with onBadRow 'skip' the bad rows are left out and counted.
import { AdrankError } from '../core/errors.js';
import { Db, sqlString } from '../data/duckdb.js';
import type { RankRequest } from './ranker.js';

export const REQUEST_COLUMNS = ['request_id', 'user_id', 'device', 'location', 'weekday', 'month', 'hour'] as const;

export interface RequestProblem {
  row: number;
  column: string;
  value: string;
  problem: string;
}

export interface RequestsFile {
  requests: (RankRequest & { requestId: string })[];
  problems: RequestProblem[];
  rowsRead: number;
}

const INTEGER_RANGES: Record<string, [number, number]> = { user_id: [0, Number.MAX_SAFE_INTEGER], weekday: [1, 7], month: [1, 12], hour: [0, 23] };

export async function readRequests(path: string, onBadRow: 'fail' | 'skip'): Promise<RequestsFile> {
  const db = await Db.open({ threads: 1 });
  try {
    const reader = /\.parquet$/i.test(path) ? `read_parquet(${sqlString(path)})` : `read_csv(${sqlString(path)}, header=true, all_varchar=true, delim=',', quote='"', escape='"', comment='', skip=0)`;
    let rows;
    try {
      const present = new Set((await db.rows(`DESCRIBE SELECT * FROM ${reader}`)).map((r) => String(r.column_name)));
      const missing = REQUEST_COLUMNS.find((c) => !present.has(c));
      if (missing) throw new AdrankError('MISSING_COLUMN', `the requests file has no column "${missing}"`, { location: { file: path, column: missing }, hint: `requests need the columns ${REQUEST_COLUMNS.join(', ')}` });
      rows = await db.rows(`SELECT ${REQUEST_COLUMNS.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')} FROM ${reader}`);
    } catch (e) {
      if (e instanceof AdrankError) throw e;
      throw new AdrankError('MALFORMED_ROW', `cannot read the requests file ${path}: ${(e as Error).message.split('\n')[0]}`, { location: { file: path }, hint: 'a CSV with a header row, or a Parquet file' });
    }
    const problems: RequestProblem[] = [];
    const requests: RequestsFile['requests'] = [];
    rows.forEach((r, i) => {
      const row = i + 1;
      const bad = (column: string, problem: string): void => void problems.push({ row, column, value: r[column] === null ? '' : String(r[column]), problem });
      const before = problems.length;
      const ints: Record<string, number> = {};
      for (const [column, [lo, hi]] of Object.entries(INTEGER_RANGES)) {
        const text = r[column] === null ? '' : String(r[column]).trim();
        const value = Number(text);
        if (text === '' || !Number.isInteger(value)) bad(column, 'not an integer');
        else if (value < lo || value > hi) bad(column, `outside ${lo}–${hi}`);
        else ints[column] = value;
      }
      for (const column of ['request_id', 'device', 'location']) if (r[column] === null || String(r[column]).trim() === '') bad(column, 'missing value');
      if (problems.length > before) return;
      requests.push({ requestId: String(r.request_id), userId: ints.user_id, device: String(r.device), location: String(r.location), weekday: ints.weekday, month: ints.month, hour: ints.hour });
    });
    if (problems.length && onBadRow === 'fail') {
      const first = problems[0];
      throw new AdrankError(first.problem === 'missing value' ? 'MISSING_VALUE' : first.problem === 'not an integer' ? 'BAD_TYPE' : 'OUT_OF_RANGE', `requests: ${first.column} ${first.problem}${problems.length > 1 ? ` (${problems.length} problems; --on-bad-row skip leaves those rows out)` : ''}`, {
        location: { file: path, row: first.row, column: first.column, value: first.value },
        hint: 'weekday is 1–7, month 1–12, hour 0–23, user_id a non-negative integer',
        details: problems.slice(0, 20),
      });
    }
    return { requests, problems, rowsRead: rows.length };
  } finally {
    db.close();
  }
}
