// A file of ranking requests (`request_id,user_id,device,location,weekday,month,hour`, CSV or Parquet) read and
// validated like the input tables: every bad value is reported with its row (1-based, header excluded), column,
// value and a hint; with onBadRow 'skip' the bad rows are left out and counted.
import { AdrankError } from '../core/errors.js';
import { Db, sqlString } from '../data/duckdb.js';
import { DEVICES } from '../data/schema.js';
import type { RankRequest } from './ranker.js';

export const REQUEST_COLUMNS = ['request_id', 'user_id', 'device', 'location', 'weekday', 'month', 'hour'] as const;

/** A column of a rows file: an integer in a range, or non-empty text; optional columns may be absent. */
export interface ColumnRule {
  name: string;
  kind: 'int' | 'text';
  range?: [number, number];
  /** the values a text column may take */
  choices?: readonly string[];
  optional?: boolean;
}

export const REQUEST_RULES: readonly ColumnRule[] = [
  { name: 'request_id', kind: 'text' }, { name: 'user_id', kind: 'int', range: [0, Number.MAX_SAFE_INTEGER] },
  { name: 'device', kind: 'text', choices: DEVICES }, { name: 'location', kind: 'text' },
  { name: 'weekday', kind: 'int', range: [1, 7] }, { name: 'month', kind: 'int', range: [1, 12] }, { name: 'hour', kind: 'int', range: [0, 23] },
];

/** The columns of an events file to score (`adrank predict`, `adrank evaluate`): an event log's, labels optional. */
export const EVENT_RULES: readonly ColumnRule[] = [
  { name: 'user_id', kind: 'int', range: [0, Number.MAX_SAFE_INTEGER] }, { name: 'ad_id', kind: 'int', range: [0, Number.MAX_SAFE_INTEGER] },
  ...REQUEST_RULES.slice(2),
  { name: 'clicked', kind: 'int', range: [0, 1], optional: true }, { name: 'converted', kind: 'int', range: [0, 1], optional: true },
];

export interface RequestProblem {
  row: number;
  column: string;
  value: string;
  problem: string;
}

export interface RowsFile {
  /** rows that passed, with their 1-based row numbers; integers as numbers, text as strings, absent optional columns undefined */
  rows: { row: number; values: Record<string, number | string | undefined> }[];
  problems: RequestProblem[];
  rowsRead: number;
  /** the optional columns the file has */
  present: Set<string>;
}

export interface RequestsFile {
  requests: (RankRequest & { requestId: string })[];
  problems: RequestProblem[];
  rowsRead: number;
}

export async function readRequests(path: string, onBadRow: 'fail' | 'skip'): Promise<RequestsFile> {
  const file = await readRowsFile(path, REQUEST_RULES, onBadRow, 'requests');
  const requests = file.rows.map(({ values: v }) => ({
    requestId: String(v.request_id), userId: Number(v.user_id), device: String(v.device), location: String(v.location), weekday: Number(v.weekday), month: Number(v.month), hour: Number(v.hour),
  }));
  return { requests, problems: file.problems, rowsRead: file.rowsRead };
}

/** Reads and validates a CSV or Parquet file of rows against `rules`, naming every bad value's row and column. */
export async function readRowsFile(path: string, rules: readonly ColumnRule[], onBadRow: 'fail' | 'skip', what: string): Promise<RowsFile> {
  const db = await Db.open({ threads: 1 });
  try {
    const reader = /\.parquet$/i.test(path) ? `read_parquet(${sqlString(path)})` : `read_csv(${sqlString(path)}, header=true, all_varchar=true, delim=',', quote='"', escape='"', comment='', skip=0)`;
    let raw;
    let present: Set<string>;
    try {
      present = new Set((await db.rows(`DESCRIBE SELECT * FROM ${reader}`)).map((r) => String(r.column_name)));
      const missing = rules.find((c) => !c.optional && !present.has(c.name));
      if (missing) throw new AdrankError('MISSING_COLUMN', `the ${what} file has no column "${missing.name}"`, { location: { file: path, column: missing.name }, hint: `${what} need the columns ${rules.filter((r) => !r.optional).map((r) => r.name).join(', ')}` });
      raw = await db.rows(`SELECT ${rules.filter((c) => present.has(c.name)).map((c) => `CAST(${c.name} AS VARCHAR) AS ${c.name}`).join(', ')} FROM ${reader}`);
    } catch (e) {
      if (e instanceof AdrankError) throw e;
      throw new AdrankError('MALFORMED_ROW', `cannot read the ${what} file ${path}: ${(e as Error).message.split('\n')[0]}`, { location: { file: path }, hint: 'a CSV with a header row, or a Parquet file' });
    }
    const problems: RequestProblem[] = [];
    const rows: RowsFile['rows'] = [];
    raw.forEach((r, i) => {
      const row = i + 1;
      const before = problems.length;
      const values: Record<string, number | string | undefined> = {};
      for (const rule of rules) {
        if (!present.has(rule.name)) continue;
        const text = r[rule.name] === null ? '' : String(r[rule.name]).trim();
        const bad = (problem: string): void => void problems.push({ row, column: rule.name, value: text, problem });
        if (text === '') bad('missing value');
        else if (rule.kind === 'text') {
          if (rule.choices && !rule.choices.includes(text)) bad(`not one of ${rule.choices.join(', ')}`);
          else values[rule.name] = text;
        }
        else {
          const value = Number(text);
          if (!Number.isInteger(value)) bad('not an integer');
          else if (rule.range && (value < rule.range[0] || value > rule.range[1])) bad(`outside ${rule.range[0]}–${rule.range[1]}`);
          else values[rule.name] = value;
        }
      }
      if (problems.length === before) rows.push({ row, values });
    });
    if (problems.length && onBadRow === 'fail') {
      const first = problems[0];
      throw new AdrankError(first.problem === 'missing value' ? 'MISSING_VALUE' : first.problem === 'not an integer' || first.problem.startsWith('not one of') ? 'BAD_TYPE' : 'OUT_OF_RANGE', `${what}: ${first.column} ${first.problem}${problems.length > 1 ? ` (${problems.length} problems; --on-bad-row skip leaves those rows out)` : ''}`, {
        location: { file: path, row: first.row, column: first.column, value: first.value },
        hint: [...rules.filter((r) => r.range && r.range[1] < Number.MAX_SAFE_INTEGER).map((r) => `${r.name} ${r.range![0]}–${r.range![1]}`), ...rules.filter((r) => r.choices).map((r) => `${r.name} one of ${r.choices!.join('|')}`)].join(', '),
        details: problems.slice(0, 20),
      });
    }
    return { rows, problems, rowsRead: raw.length, present };
  } finally {
    db.close();
  }
}
