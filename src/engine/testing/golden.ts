// Loading the PyTorch golden files (../shared/golden, or $ADRANK_GOLDEN_DIR) for the golden tests.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export function goldenDir(): string {
  return process.env.ADRANK_GOLDEN_DIR ?? resolve(REPO_ROOT, '../shared/golden');
}

export function loadGolden<T>(file: string): T {
  return JSON.parse(readFileSync(resolve(goldenDir(), file), 'utf8')) as T;
}

/** Nested number arrays from the JSON, flattened row-major. */
export type Nested = number | Nested[];

export function flat(value: Nested): number[] {
  return Array.isArray(value) ? value.flatMap(flat) : [value];
}
