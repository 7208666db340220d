// Loading the PyTorch golden files for the golden tests: $ADRANK_GOLDEN_DIR, else ../shared/golden beside the
// repository, else /work/shared/golden (where the project's shared material lives on its machines).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export function goldenDir(): string {
  const candidates = [process.env.ADRANK_GOLDEN_DIR, resolve(REPO_ROOT, '../shared/golden'), '/work/shared/golden'].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(resolve(d, 'ctr_model.json')));
  if (!found) throw new Error(`golden files not found; looked in ${candidates.join(', ')} (set ADRANK_GOLDEN_DIR)`);
  return found;
}

export function loadGolden<T>(file: string): T {
  return JSON.parse(readFileSync(resolve(goldenDir(), file), 'utf8')) as T;
}

/** Nested number arrays from the JSON, flattened row-major. */
export type Nested = number | Nested[];

export function flat(value: Nested): number[] {
  return Array.isArray(value) ? value.flatMap(flat) : [value];
}
