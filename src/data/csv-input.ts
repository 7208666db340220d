// Prepares a CSV file for DuckDB's reader: scans its record structure (src/data/csv-structure.ts), reports
// each malformed record once, and, when there are any, hands the reader a temporary copy without them, so
// the reader's cost stays linear in the file size.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCsv, scanCsvStructure, type BadRecord, type CsvStructure } from './csv-structure.js';
import type { RawIssue } from './rejects.js';
import type { TableSource } from './sources.js';

export interface PreparedCsv {
  /** what the reader reads: the file itself, or a copy without the malformed records */
  readPath: string;
  structure: CsvStructure;
  /** one MALFORMED_ROW issue per malformed record */
  issues: RawIssue[];
  /** rows of the original file missing from the copy */
  removedRows: number[];
  cleanup(): Promise<void>;
}

export async function prepareCsv(source: TableSource): Promise<PreparedCsv> {
  const structure = await scanCsvStructure(source.path);
  const bad = structure.badRecords;
  const issues = bad.map((r) => malformedIssue(source, structure, r));
  if (bad.length === 0) return { readPath: source.path, structure, issues, removedRows: [], cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'adrank-load-'));
  const readPath = join(dir, `${source.table}.csv`);
  try {
    await copyWithout(source.path, readPath, bad);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { readPath, structure, issues, removedRows: bad.map((r) => r.row), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Prepares the CSV files of `sources` one after the other, ahead of their loading: the scan of a file runs
 * while DuckDB reads the tables before it. close() waits for the scan in progress and removes the copies.
 */
export class CsvPreparation {
  private readonly prepared: Promise<PreparedCsv | undefined>[] = [];
  private stopped = false;

  constructor(sources: readonly TableSource[]) {
    let previous: Promise<unknown> = Promise.resolve();
    for (const source of sources) {
      const next = previous.then(() => (source.format === 'csv' && !this.stopped ? prepareCsv(source) : undefined));
      next.catch(() => {}); // observed by get(); a failure must not go unhandled if loading stops first
      this.prepared.push(next);
      previous = next.catch(() => {});
    }
  }

  /** The preparation of the i-th source (undefined for Parquet). */
  get(i: number): Promise<PreparedCsv | undefined> {
    return this.prepared[i];
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const result of await Promise.allSettled(this.prepared)) {
      if (result.status === 'fulfilled') await result.value?.cleanup();
    }
  }
}

function malformedIssue(source: TableSource, structure: CsvStructure, record: BadRecord): RawIssue {
  const problem = record.unterminatedQuote
    ? 'malformed CSV row (a quoted field is never closed)'
    : `malformed CSV row (${record.fields} fields where the header has ${structure.headerFields})`;
  return {
    code: 'MALFORMED_ROW', row: record.row, column: '', value: record.text, problem,
    hint: `${source.table} rows must have one comma-separated field per header column (${structure.headerFields}); quote fields that contain commas or quotes`,
  };
}

/** Copies `from` (decompressed) to `to`, leaving out the byte ranges of `skip` (sorted by offset). */
async function copyWithout(from: string, to: string, skip: readonly BadRecord[]): Promise<void> {
  const out = await open(to, 'w');
  try {
    let offset = 0; // file offset of the chunk's first byte
    let next = 0; // first record of `skip` not yet passed
    for await (const chunk of openCsv(from)) {
      const end = offset + chunk.length;
      let position = offset; // next byte of the file to consider
      while (position < end) {
        while (next < skip.length && skip[next].end <= position) next++;
        const record = next < skip.length ? skip[next] : undefined;
        const keepUntil = record && record.start < end ? Math.max(position, record.start) : end;
        if (keepUntil > position) await out.write(chunk.subarray(position - offset, keepUntil - offset));
        position = record && record.start < end ? Math.min(end, record.end) : end;
      }
      offset = end;
    }
  } finally {
    await out.close();
  }
}
