// Where the input tables are: DIR/<table>.csv or DIR/<table>.parquet, or explicit paths.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AdrankError } from '../core/errors.js';
import type { TableName } from './schema.js';

export type FileFormat = 'csv' | 'parquet';

export interface TableSource {
  table: TableName;
  path: string;
  format: FileFormat;
}

export interface DataSources {
  event_log: TableSource;
  user_catalog: TableSource;
  ad_catalog: TableSource;
  test_event_log?: TableSource;
}

const EXTENSIONS: readonly [string, FileFormat][] = [
  ['.csv', 'csv'],
  ['.parquet', 'parquet'],
  ['.csv.gz', 'csv'],
];

export function formatOfPath(path: string): FileFormat {
  return /\.parquet$/i.test(path) ? 'parquet' : 'csv';
}

/**
 * Resolves the four tables from a directory and/or explicit paths (explicit wins).
 * The held-out log is optional; the other three must exist.
 */
export function resolveSources(dir: string | undefined, explicit: Partial<Record<TableName, string>> = {}): DataSources {
  const find = (table: TableName, required: boolean): TableSource | undefined => {
    const given = explicit[table];
    if (given !== undefined) {
      const path = resolve(given);
      if (!existsSync(path) || !statSync(path).isFile()) {
        throw new AdrankError('FILE_NOT_FOUND', `${table} file not found: ${path}`, {
          location: { file: path },
          hint: `check the path given for ${table}`,
        });
      }
      return { table, path, format: formatOfPath(path) };
    }
    if (dir !== undefined) {
      const tried: string[] = [];
      for (const [ext, format] of EXTENSIONS) {
        const path = resolve(join(dir, table + ext));
        tried.push(path);
        if (existsSync(path)) return { table, path, format };
      }
      if (required) {
        throw new AdrankError('FILE_NOT_FOUND', `no ${table} in ${resolve(dir)}`, {
          location: { file: tried[0] },
          hint: `expected one of: ${tried.map((t) => t.slice(resolve(dir).length + 1)).join(', ')} (make a world with \`adrank generate\`)`,
        });
      }
      return undefined;
    }
    if (required) {
      throw new AdrankError('BAD_ARGUMENT', `no location given for ${table}`, { hint: 'pass --data DIR or an explicit path for each table' });
    }
    return undefined;
  };
  const sources: DataSources = {
    event_log: find('event_log', true)!,
    user_catalog: find('user_catalog', true)!,
    ad_catalog: find('ad_catalog', true)!,
  };
  const test = find('test_event_log', false);
  if (test) sources.test_event_log = test;
  return sources;
}
