// Where the input tables are: DIR/<table>.csv or DIR/<table>.parquet, or explicit paths.
// Only regular files are read (a FIFO or a device would block the reader forever), and a directory that
// holds a table in two formats is refused unless the format to read is given.
import { statSync, type Stats } from 'node:fs';
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

export interface SourceOptions {
  /** which format to read from a directory holding several; undefined = whichever single one is there */
  format?: FileFormat;
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
export function resolveSources(dir: string | undefined, explicit: Partial<Record<TableName, string>> = {}, options: SourceOptions = {}): DataSources {
  if (dir !== undefined) checkDirectory(dir);
  const find = (table: TableName, required: boolean): TableSource | undefined => {
    const given = explicit[table];
    if (given !== undefined) {
      const path = resolve(given);
      const stat = statOrUndefined(path);
      if (!stat) throw new AdrankError('FILE_NOT_FOUND', `${table} file not found: ${path}`, { location: { file: path }, hint: `check the path given for ${table}` });
      checkRegularFile(path, stat);
      return { table, path, format: formatOfPath(path) };
    }
    if (dir !== undefined) return findInDirectory(dir, table, required, options.format);
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

function findInDirectory(dir: string, table: TableName, required: boolean, format: FileFormat | undefined): TableSource | undefined {
  const root = resolve(dir);
  const present = EXTENSIONS.map(([ext, f]) => ({ path: join(root, table + ext), format: f }))
    .map((c) => ({ ...c, stat: statOrUndefined(c.path) }))
    .filter((c) => c.stat !== undefined);
  const wanted = present.filter((c) => format === undefined || c.format === format);
  if (wanted.length > 1) {
    throw new AdrankError('BAD_ARGUMENT', `${root} holds ${table} twice: ${wanted.map((c) => c.path).join(' and ')}`, {
      location: { file: wanted[0].path },
      hint: format === undefined && new Set(wanted.map((c) => c.format)).size > 1
        ? 'pass --format csv or --format parquet to say which one to read, or remove the stale file'
        : 'remove the stale file',
    });
  }
  if (wanted.length === 1) {
    checkRegularFile(wanted[0].path, wanted[0].stat!);
    return { table, path: wanted[0].path, format: wanted[0].format };
  }
  if (!required) return undefined;
  const names = EXTENSIONS.filter(([, f]) => format === undefined || f === format).map(([ext]) => table + ext);
  const other = present.length ? ` (there is ${present.map((c) => c.path.slice(root.length + 1)).join(', ')}; --format ${present[0].format} reads it)` : '';
  throw new AdrankError('FILE_NOT_FOUND', `no ${table} in ${root}${other}`, {
    location: { file: join(root, names[0]) },
    hint: `expected one of: ${names.join(', ')} (make a world with \`adrank generate\`)`,
  });
}

function checkDirectory(dir: string): void {
  const path = resolve(dir);
  const stat = statOrUndefined(path);
  if (!stat) throw new AdrankError('FILE_NOT_FOUND', `data directory not found: ${path}`, { location: { file: path }, hint: 'check the path, or make a world with `adrank generate`' });
  if (!stat.isDirectory()) {
    throw new AdrankError('BAD_ARGUMENT', `${path} is not a directory (it is ${describeKind(stat)})`, {
      location: { file: path },
      hint: 'give the directory that holds event_log, user_catalog and ad_catalog',
    });
  }
}

function checkRegularFile(path: string, stat: Stats): void {
  if (stat.isFile()) return;
  throw new AdrankError('BAD_ARGUMENT', `${path} is not a regular file (it is ${describeKind(stat)})`, {
    location: { file: path },
    hint: 'adrank reads tables from regular files only; copy the data into a file first',
  });
}

function describeKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return stat.isFile() ? 'a regular file' : 'not a regular file';
}

/** stat (following links) or undefined when nothing is there. */
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}
