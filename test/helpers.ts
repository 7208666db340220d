// Shared test fixtures: temporary directories, generated worlds and CSV edits.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { worldSpec, type SizeOverrides } from '../src/data/generate/presets.js';
import { writeWorld, type DataFormat } from '../src/data/generate/write-world.js';

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
