// Row-level validation rules, one per (column, problem), expressed as SQL conditions over a raw table.
// Each rule knows its error code and the hint a user needs to fix the data. Offending values are shown as
// written: `value` is evaluated over the file read again with every column as text.
import type { ErrorCode } from '../core/errors.js';
import { sqlIdent, sqlString } from './duckdb.js';
import { MAX_ID, TABLE_COLUMNS, type ColumnSpec, type TableName } from './schema.js';

export interface RowCheck {
  code: ErrorCode;
  column: string;
  /** SQL condition that is true for a bad row */
  condition: string;
  /** SQL expression of the offending value over the all-text reading of the file, shown to the user */
  value: string;
  problem: string;
  hint: string;
}

/** How a raw column is typed before checks: numbers are read as DOUBLE so "1.5" is caught as a non-integer. */
export function rawType(spec: ColumnSpec): string | undefined {
  switch (spec.type.kind) {
    case 'id':
    case 'int':
    case 'bid':
      return 'DOUBLE';
    case 'enum':
    case 'category':
      return 'VARCHAR';
    case 'time':
      return undefined; // text in CSV, as stored in Parquet; its kind is decided from all its values (event-time.ts)
  }
}

// flagged: the raw table comes from a typed source (Parquet) and carries __bad_<col> / __raw_<col>
// for values that did not convert to the column's type.
function columnChecks(spec: ColumnSpec, flagged: boolean): RowCheck[] {
  const c = sqlIdent(spec.name);
  const shown = `CAST(${c} AS VARCHAR)`;
  const checks: RowCheck[] = [];
  const isText = spec.type.kind === 'enum' || spec.type.kind === 'category';
  const converts = flagged && rawType(spec) !== undefined;
  if (converts) {
    checks.push({
      code: 'BAD_TYPE', column: spec.name, condition: sqlIdent('__bad_' + spec.name), value: shown,
      problem: `not convertible to ${rawType(spec)}`, hint: `${spec.name} must be ${isText ? 'text' : 'numeric'}`,
    });
  }
  checks.push({
    code: 'MISSING_VALUE',
    column: spec.name,
    condition: (isText ? `(${c} IS NULL OR trim(${c}) = '')` : `${c} IS NULL`) + (converts ? ` AND NOT ${sqlIdent('__bad_' + spec.name)}` : ''),
    value: `coalesce(${shown}, '')`,
    problem: 'missing value',
    hint: `every row needs a ${spec.name}`,
  });
  if (isText) {
    checks.push({
      code: 'BAD_TYPE', column: spec.name, condition: `strpos(${c}, chr(0)) > 0`, value: `replace(${shown}, chr(0), '\\0')`,
      problem: 'contains a NUL byte', hint: `${spec.name} must be text without NUL (\\0) bytes; the file may be binary or corrupted`,
    });
  }
  const type = spec.type;
  switch (type.kind) {
    case 'id':
      checks.push({
        code: 'BAD_TYPE', column: spec.name,
        condition: `(${c} <> floor(${c}) OR ${c} < 0 OR ${c} > ${MAX_ID})`, value: shown,
        problem: 'not a non-negative integer id', hint: `${spec.name} must be an integer between 0 and ${MAX_ID}`,
      });
      break;
    case 'int':
      checks.push({
        code: 'BAD_TYPE', column: spec.name, condition: `${c} <> floor(${c})`, value: shown,
        problem: 'not an integer', hint: `${spec.name} must be a whole number`,
      });
      checks.push({
        code: 'OUT_OF_RANGE', column: spec.name, condition: `${c} = floor(${c}) AND ${c} NOT BETWEEN ${type.min} AND ${type.max}`, value: shown,
        problem: `outside ${type.min}–${type.max}`, hint: `${spec.name} must be an integer from ${type.min} to ${type.max}`,
      });
      break;
    case 'enum':
      checks.push({
        code: 'OUT_OF_RANGE', column: spec.name,
        condition: `trim(${c}) <> '' AND strpos(${c}, chr(0)) = 0 AND ${c} NOT IN (${type.values.map(sqlString).join(', ')})`, value: shown,
        problem: 'not an allowed value', hint: `${spec.name} must be one of ${type.values.join(', ')} (case-sensitive)`,
      });
      break;
    case 'bid':
      checks.push({
        code: 'BAD_BID', column: spec.name, condition: `(isnan(${c}) OR isinf(${c}) OR ${c} <= 0)`, value: shown,
        problem: 'bid must be a finite number > 0', hint: 'remove the ad or give it a positive bid; a bid of 0 can never win an auction',
      });
      break;
    case 'category':
    case 'time':
      break;
  }
  return checks;
}

/** All row checks of a table whose raw columns are present (optional columns may be absent). */
export function tableChecks(table: TableName, present: ReadonlySet<string>, flagged: boolean): RowCheck[] {
  const checks = TABLE_COLUMNS[table].filter((s) => present.has(s.name)).flatMap((s) => columnChecks(s, flagged));
  if (table === 'event_log' || table === 'test_event_log') {
    checks.push({
      code: 'CONVERTED_WITHOUT_CLICK', column: 'converted', condition: 'converted = 1 AND clicked = 0',
      value: `'clicked=0, converted=1'`, problem: 'a conversion without a click',
      hint: 'converted means "purchased after clicking"; set converted to 0 or clicked to 1',
    });
  }
  return checks;
}
