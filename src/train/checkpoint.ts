// Checkpoints: everything needed to continue a run bit for bit — dense parameters, embedding tables, dense
// Adam and sparse optimizer state, the trainer's position and the weights of the best epoch so far — in one file
// written atomically (temp file, then rename). Layout: "ADRKCKPT", u32 header length, JSON header, then the
// float32 arrays back to back.
import { open, readFile } from 'node:fs/promises';
import { produceAtomic } from '../core/atomic-write.js';
import { AdrankError } from '../core/errors.js';
import type { ModelState } from './model-state.js';
import type { BestWeights } from './best-weights.js';
import type { TrainerProgress } from './progress.js';
import type { TrainStep } from './train-step.js';

const MAGIC = 'ADRKCKPT';
const VERSION = 2;

interface Header {
  format: string;
  version: number;
  progress: TrainerProgress;
  denseStep: number;
  sparseSteps: Record<string, number>;
  arrays: { name: string; length: number }[];
}

/** Every array of the run, by a stable name; the best-epoch copy when `best` is given (saving) or `withBest` (loading). */
function collectArrays(state: ModelState, step: TrainStep, best?: Map<string, Float32Array>): Map<string, Float32Array> {
  const arrays = new Map<string, Float32Array>();
  for (const spec of state.params.specs) arrays.set(`param:${spec.name}`, state.params.get(spec.name));
  for (const [name, table] of state.tables) arrays.set(`table:${name}`, table.data);
  step.dense.slots.forEach((slot, k) => {
    arrays.set(`adam.m:${slot.name}`, step.dense.m[k]);
    arrays.set(`adam.v:${slot.name}`, step.dense.v[k]);
  });
  for (const bag of step.bags) {
    const { arrays: named } = bag.optimizer.state();
    for (const [key, array] of Object.entries(named)) arrays.set(`${bag.optimizer.kind}.${key}:${bag.spec.arena}`, array);
  }
  for (const [name, array] of best ?? []) arrays.set(name, array);
  return arrays;
}

export async function saveCheckpoint(path: string, state: ModelState, step: TrainStep, progress: TrainerProgress, best: BestWeights): Promise<void> {
  const arrays = collectArrays(state, step, best.arrays());
  const sparseSteps: Record<string, number> = {};
  for (const bag of step.bags) sparseSteps[bag.spec.arena] = bag.optimizer.state().step;
  const header: Header = {
    format: MAGIC,
    version: VERSION,
    progress,
    denseStep: step.dense.step,
    sparseSteps,
    arrays: [...arrays].map(([name, a]) => ({ name, length: a.length })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(json.length, MAGIC.length);
  await produceAtomic(path, async (tmp) => {
    const file = await open(tmp, 'w');
    try {
      await file.write(prefix);
      await file.write(json);
      for (const array of arrays.values()) await file.write(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      await file.sync();
    } finally {
      await file.close();
    }
  });
}

function badCheckpoint(path: string, message: string): AdrankError {
  return new AdrankError('BAD_ARTIFACT', `checkpoint ${path}: ${message}`, {
    location: { file: path },
    hint: 'resume with the model configuration and optimizer the checkpoint was written with',
  });
}

/** Load a checkpoint into live state and optimizers (same layout required); returns the trainer's progress. */
export async function loadCheckpoint(path: string, state: ModelState, step: TrainStep, best: BestWeights): Promise<TrainerProgress> {
  const bytes = await readFile(path);
  if (bytes.toString('ascii', 0, MAGIC.length) !== MAGIC) throw badCheckpoint(path, 'not an adrank checkpoint');
  let header: Header;
  let headerLength: number;
  try {
    headerLength = bytes.readUInt32LE(MAGIC.length);
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as Header;
  } catch {
    throw badCheckpoint(path, 'its header is damaged');
  }
  if (header.version !== VERSION) throw badCheckpoint(path, `version ${header.version}, expected ${VERSION}`);
  const arrays = collectArrays(state, step, header.arrays.some((a) => a.name.startsWith('best.')) ? best.targets() : undefined);
  const expected = [...arrays].map(([name, a]) => `${name}[${a.length}]`).join(',');
  const stored = header.arrays.map((a) => `${a.name}[${a.length}]`).join(',');
  if (expected !== stored) throw badCheckpoint(path, 'its arrays do not match this model and optimizer');
  let offset = MAGIC.length + 4 + headerLength;
  for (const { name, length } of header.arrays) {
    const target = arrays.get(name);
    if (target === undefined) throw badCheckpoint(path, `unexpected array ${name}`);
    const byteLength = length * 4;
    if (offset + byteLength > bytes.length) throw badCheckpoint(path, 'truncated');
    // copy through a byte view: the file's buffer offset need not be 4-byte aligned
    new Uint8Array(target.buffer, target.byteOffset, byteLength).set(bytes.subarray(offset, offset + byteLength));
    offset += byteLength;
  }
  step.dense.step = header.denseStep;
  for (const bag of step.bags) bag.optimizer.setStep(header.sparseSteps[bag.spec.arena]);
  return header.progress;
}
