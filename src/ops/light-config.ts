// The training config of the operations loop: adrank's default laid over with fewer retrieval epochs and no
// baselines, so a run of a day's log (20–50k events) trains in seconds on two cores (measured in
// bench/ops-simulate.ts). A user's --config file is laid over it, key by key, as over any preset.
import { readFile } from 'node:fs/promises';
import { AdrankError } from '../core/errors.js';
import { deepMerge } from '../core/strict-config.js';
import { parseTrainConfig, resolveTrainConfig, type TrainConfig } from '../pipeline/config.js';

export const LIGHT_OVERLAY = {
  name: 'ops-light',
  retrieval: { training: { epochs: 3, batchSize: 1024, patience: 1 } },
  evaluation: { recallAtK: [10, 100], baselines: false },
} as const;

/** default ← the light overlay ← the user's file (if any), validated and frozen. */
export async function lightTrainConfig(file?: string): Promise<TrainConfig> {
  const base = deepMerge(await resolveTrainConfig('default'), LIGHT_OVERLAY);
  if (file === undefined) return parseTrainConfig(base);
  let user: unknown;
  try {
    user = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AdrankError(missing ? 'FILE_NOT_FOUND' : 'BAD_CONFIG', missing ? `no config file at ${file}` : `${file} is not valid JSON: ${(e as Error).message}`, { location: { file }, hint: 'give the path of a JSON config (see `adrank train --print-config`)' });
  }
  try {
    return parseTrainConfig(deepMerge(base, user));
  } catch (e) {
    if (e instanceof AdrankError) e.location.file = file;
    throw e;
  }
}

/** A config with `overlay` laid over it, validated and frozen. */
export function overlayConfig(config: TrainConfig, overlay: unknown): TrainConfig {
  return parseTrainConfig(deepMerge(config, overlay));
}
