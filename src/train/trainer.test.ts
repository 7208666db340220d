// The training loop's contracts: a run resumed from a mid-epoch checkpoint continues bit for bit, a diverging
// loss stops with NUMERIC_DIVERGENCE naming step, batch and learning rate, and early stopping honours patience.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isAdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { CtrModel, type CtrModelConfig } from '../models/ctr-model.js';
import type { CtrColumns } from './columns.js';
import { CtrTask } from './ctr-task.js';
import { ModelState } from './model-state.js';
import { SEED_OPTIMIZER } from './train-step.js';
import { train, type TrainSettings } from './trainer.js';

const CONFIG: CtrModelConfig = {
  fields: [
    { name: 'a', cardinality: 5 },
    { name: 'b', cardinality: 7 },
    { name: 'user_id', cardinality: 50 },
  ],
  embeddingDim: 4,
  projectionDim: 4,
  numNumerical: 2,
  hidden: [8, 4],
  dropout: 0.2,
};

/** Rows whose click depends on user_id parity and field a; `flip` inverts the labels. */
function columns(n: number, seed: number, flip = false): CtrColumns {
  const rng = new Rng(seed);
  const categorical = CONFIG.fields.map((f) => Int32Array.from({ length: n }, () => rng.int(f.cardinality)));
  const numerical = Float32Array.from({ length: n * 2 }, () => rng.normal());
  const labels = Float32Array.from({ length: n }, (_, i) => {
    const p = (categorical[2][i] % 2 === 0 ? 0.7 : 0.1) + (categorical[0][i] === 0 ? 0.2 : 0);
    return rng.next() < p !== flip ? 1 : 0;
  });
  return { categorical, numerical, labels };
}

const dir = await mkdtemp(join(tmpdir(), 'adrank-trainer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const settings = (overrides: Partial<TrainSettings>): TrainSettings => ({ epochs: 3, batchSize: 32, seed: 11, patience: 5, optimizer: SEED_OPTIMIZER, ...overrides });

function snapshot(state: ModelState): Float32Array[] {
  return [...state.params.specs.map((s) => state.params.get(s.name)), ...[...state.tables.values()].map((t) => t.data)].map((a) => a.slice());
}

describe('trainer', () => {
  const model = new CtrModel(CONFIG);
  const task = new CtrTask(model, { kind: 'focal', alpha: 0.25, gamma: 2 }, columns(300, 1), columns(100, 2));

  test('resuming from a mid-epoch checkpoint gives bit-identical training', async () => {
    const straight = ModelState.initialised(model, new Rng(5));
    const full = await train(task, straight, settings({}));

    const path = join(dir, 'mid.ckpt');
    const interrupted = ModelState.initialised(model, new Rng(5));
    const first = await train(task, interrupted, settings({ maxSteps: 13, checkpoint: { path } })); // 10 batches per epoch
    expect(first.steps).toBe(13);
    const resumed = ModelState.initialised(model, new Rng(99)); // different values: everything comes from the file
    const rest = await train(task, resumed, settings({ resumeFrom: path }));

    expect(rest.steps).toBe(full.steps);
    expect(rest.history.map((h) => [h.trainLoss, h.validLoss])).toEqual(full.history.map((h) => [h.trainLoss, h.validLoss]));
    expect(snapshot(resumed)).toEqual(snapshot(straight));
  });

  test('a NaN loss stops training with NUMERIC_DIVERGENCE naming step, batch and learning rate', async () => {
    const data = columns(100, 3);
    data.numerical[2 * 70] = Number.NaN; // row 70
    const poisoned = new CtrTask(model, { kind: 'bce' }, data);
    const error = await train(poisoned, ModelState.initialised(model, new Rng(1)), settings({ epochs: 1, batchSize: 10 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAdrankError(error) && error.code).toBe('NUMERIC_DIVERGENCE');
    expect(String((error as Error).message)).toMatch(/loss became NaN at step \d+ \(epoch 0, batch \d+\) with learning rate 0\.001/);
  });

  test('early stopping after `patience` epochs without a better validation loss', async () => {
    // validation labels are the training labels inverted: the better the fit, the worse the validation loss
    const opposed = new CtrTask(model, { kind: 'bce' }, columns(300, 1), columns(300, 1, true));
    const result = await train(opposed, ModelState.initialised(model, new Rng(2)), settings({ epochs: 30, patience: 2, optimizer: { ...SEED_OPTIMIZER, dense: { ...SEED_OPTIMIZER.dense, lr: 1e-2 } } }));
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.length).toBeLessThan(30);
    expect(result.history.length - 1 - result.bestEpoch).toBe(2);
  });

  test('training ends with the weights of the best epoch, not the last', async () => {
    const opposed = new CtrTask(model, { kind: 'bce' }, columns(300, 1), columns(300, 1, true));
    const state = ModelState.initialised(model, new Rng(2));
    const perEpoch: Float32Array[][] = [];
    const result = await train(opposed, state, settings({ epochs: 30, patience: 2, onEpoch: () => perEpoch.push(snapshot(state)), optimizer: { ...SEED_OPTIMIZER, dense: { ...SEED_OPTIMIZER.dense, lr: 1e-2 } } }));
    expect(result.bestEpoch).toBeLessThan(result.history.length - 1);
    expect(snapshot(state)).toEqual(perEpoch[result.bestEpoch]);
    expect(snapshot(state)).not.toEqual(perEpoch[perEpoch.length - 1]);
  });

  test('the best epoch is chosen by the selected metric: validation log loss or AUC', async () => {
    const focal = new CtrTask(model, { kind: 'focal', alpha: 0.25, gamma: 2 }, columns(300, 1), columns(200, 2));
    for (const selectBy of ['loss', 'auc'] as const) {
      const result = await train(focal, ModelState.initialised(model, new Rng(3)), settings({ epochs: 8, patience: 8, selectBy }));
      const values = result.history.map((h) => (selectBy === 'loss' ? -(h.validLoss ?? 0) : h.validAuc ?? 0));
      expect(result.bestEpoch, selectBy).toBe(values.indexOf(Math.max(...values)));
      expect(result.history.every((h) => h.validAuc !== null && h.validAuc > 0 && h.validAuc < 1)).toBe(true);
    }
  });

  test('a checkpoint keeps the best weights: a run resumed after an improvement restores the same ones', async () => {
    const opposed = new CtrTask(model, { kind: 'bce' }, columns(300, 1), columns(300, 1, true));
    const fast = { ...SEED_OPTIMIZER, dense: { ...SEED_OPTIMIZER.dense, lr: 1e-2 } };
    const straight = ModelState.initialised(model, new Rng(4));
    const full = await train(opposed, straight, settings({ epochs: 6, patience: 6, optimizer: fast }));
    const path = join(dir, 'best.ckpt');
    await train(opposed, ModelState.initialised(model, new Rng(4)), settings({ epochs: 6, patience: 6, optimizer: fast, maxSteps: 45, checkpoint: { path } }));
    const resumed = ModelState.initialised(model, new Rng(77));
    const rest = await train(opposed, resumed, settings({ epochs: 6, patience: 6, optimizer: fast, resumeFrom: path }));
    expect(rest.bestEpoch).toBe(full.bestEpoch);
    expect(full.bestEpoch).toBeLessThan(4); // the best epoch lies before the interruption, so its weights came from the file
    expect(snapshot(resumed)).toEqual(snapshot(straight));
  });

  test('bad ids are input errors with the column and row', () => {
    const data = columns(10, 4);
    data.categorical[1][6] = 7; // cardinality 7
    const error = (() => {
      try {
        new CtrTask(model, { kind: 'bce' }, data);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isAdrankError(error) && error.code).toBe('OUT_OF_RANGE');
    expect(isAdrankError(error) && error.location).toEqual({ column: 'b', row: 7, value: '7' });
  });
});
