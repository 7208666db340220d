// Shared test fixtures: temporary directories, generated worlds, feature runs and CSV edits.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { AdrankError } from '../src/core/errors.js';
import { worldSpec, type SizeOverrides } from '../src/data/generate/presets.js';
import { writeWorld, type DataFormat } from '../src/data/generate/write-world.js';
import { loadData } from '../src/data/load.js';
import { resolveSources } from '../src/data/sources.js';
import { buildFeatures, writeFeatureRun } from '../src/features/pipeline.js';

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix = 'adrank-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A world of a preset with explicit sizes (see worldSpec). */
export async function makeWorldSpec(dir: string, preset: string, seed: number, sizes: SizeOverrides, format: DataFormat = 'csv'): Promise<string> {
  await writeWorld(worldSpec(preset, seed, sizes), dir, format);
  return dir;
}

export async function makeWorld(dir: string, preset = 'seed', seed = 42, format: DataFormat = 'csv'): Promise<string> {
  await writeWorld(worldSpec(preset, seed), dir, format);
  return dir;
}

/**
 * The seed world, written once under `root` before the file's tests (`pristine`), and private copies of it:
 * `worldWith(edit)` copies it and applies `edit` to the copy.
 */
export function seedWorldCopies(root: string): { pristine: string; worldWith: (edit: (dir: string) => void) => string } {
  const pristine = join(root, 'pristine');
  beforeAll(async () => {
    await makeWorld(pristine);
  });
  let copies = 0;
  const worldWith = (edit: (dir: string) => void): string => {
    const dir = join(root, `case-${copies++}`);
    cpSync(pristine, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  return { pristine, worldWith };
}

/** The AdrankError that loading `dir` fails with (the test fails if it loads). */
export async function loadError(dir: string): Promise<AdrankError> {
  try {
    (await loadData(resolveSources(dir))).db.close();
  } catch (e) {
    expect(e).toBeInstanceOf(AdrankError);
    return e as AdrankError;
  }
  throw new Error('expected loading to fail');
}

/** A feature run of the data directory `dataDir` (point-in-time, unsmoothed CTRs) written to `runDir`. */
export async function makeFeatureRun(dataDir: string, runDir: string): Promise<string> {
  const data = await loadData(resolveSources(dataDir));
  try {
    await writeFeatureRun(data, await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 }), runDir);
  } finally {
    data.db.close();
  }
  return runDir;
}

/** Rewrites a CSV file line by line: `edit(lines)` gets the lines (header first) and returns new ones. */
export function editCsv(path: string, edit: (lines: string[]) => string[]): void {
  const lines = readFileSync(path, 'utf8').replace(/\n$/, '').split('\n');
  writeFileSync(path, edit(lines).join('\n') + '\n');
}

/** Replaces one field of a data row (1-based, header excluded) of a CSV file. */
export function setField(path: string, row: number, column: string, value: string): void {
  editCsv(path, (lines) => {
    const header = lines[0].split(',');
    const col = header.indexOf(column);
    if (col < 0) throw new Error(`no column ${column}`);
    const fields = lines[row].split(',');
    fields[col] = value;
    lines[row] = fields.join(',');
    return lines;
  });
}

export function readCsvRows(path: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i], v])));
}
