// Platt scaling on the logits real models produce: float32 outputs of ONNX Runtime, at a few-percent CTR. Every
// fit must succeed and agree with an independent float64 fit (profile likelihood: b*(a) by bisection on the
// score equation, a by bisection on the profile loss's slope) to 1e-6.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeWorldSpec, tempDir } from '../../test/helpers.js';
import { Rng } from '../core/rng.js';
import { isAdrankError } from '../core/errors.js';
import { loadData, type LoadedData } from '../data/load.js';
import { resolveSources } from '../data/sources.js';
import { encodeTable, SEED_SELECTION, selectColumns, type EncodedFeatures } from '../features/encoder.js';
import { fieldCardinalities } from '../features/feature-map.js';
import { buildFeatures } from '../features/pipeline.js';
import { CtrModel, SEED_CTR_CONFIG } from '../models/ctr-model.js';
import { CtrTask } from './ctr-task.js';
import { ModelState } from './model-state.js';
import { fitPlatt, plattLoss } from './platt.js';
import { predictLogits } from '../pipeline/predict.js';
import { SEED_OPTIMIZER } from './train-step.js';
import { train } from './trainer.js';

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The optimum by a different route: for fixed a the loss is minimised where Σσ(a·x+b) = Σy (monotone in b). */
function profileFit(x: ArrayLike<number>, y: ArrayLike<number>): { a: number; b: number } {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  const bOf = (a: number): number => {
    let lo = -50;
    let hi = 50;
    for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
      const mid = (lo + hi) / 2;
      let s = 0;
      for (let i = 0; i < x.length; i++) s += sigmoid(a * x[i] + mid);
      if (s < positives) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  // the profile loss is convex in a and its slope is ∂L/∂a at b*(a) (envelope theorem): bisect on its sign
  const slope = (a: number): number => {
    const b = bOf(a);
    let s = 0;
    for (let i = 0; i < x.length; i++) s += (sigmoid(a * x[i] + b) - y[i]) * x[i];
    return s;
  };
  let lo = -5;
  let hi = 10;
  for (let it = 0; it < 200 && hi - lo > 1e-14; it++) {
    const mid = (lo + hi) / 2;
    if (slope(mid) < 0) lo = mid;
    else hi = mid;
  }
  const a = (lo + hi) / 2;
  return { a, b: bOf(a) };
}

const root = tempDir();
let data: LoadedData;
let trainRows: EncodedFeatures;
let heldOut: EncodedFeatures;

beforeAll(async () => {
  const dir = await makeWorldSpec(join(root, 'small'), 'small', 11, { events: 20_000 });
  data = await loadData(resolveSources(dir));
  const stage = await buildFeatures(data, { mode: 'point-in-time', ctrPriorStrength: 0 });
  trainRows = selectColumns(await encodeTable(data.db, stage.tables.train, stage.featureMap), SEED_SELECTION);
  heldOut = selectColumns(await encodeTable(data.db, stage.tables.test!, stage.featureMap), SEED_SELECTION);
  const fields = fieldCardinalities(stage.featureMap);
  models.push(...[1, 2, 3, 4, 5, 6].map((seed) => ({ seed, model: new CtrModel({ ...SEED_CTR_CONFIG, fields }) })));
});
afterAll(() => data.db.close());
const models: { seed: number; model: CtrModel }[] = [];

describe('Platt scaling of trained models', () => {
  test('never fails on their float32 logits and matches an independent float64 fit to 1e-6', async () => {
    for (const { seed, model } of models) {
      const state = ModelState.initialised(model, new Rng(seed));
      const loss = seed % 2 ? ({ kind: 'focal', alpha: 0.25, gamma: 2 } as const) : ({ kind: 'bce' } as const);
      await train(new CtrTask(model, loss, { categorical: trainRows.categorical, numerical: trainRows.numerical, labels: trainRows.clicked }), state, {
        epochs: 1, batchSize: 256, seed, patience: 1, optimizer: SEED_OPTIMIZER,
      });
      const logits = await predictLogits(model, state, heldOut);
      const fit = fitPlatt(logits, heldOut.clicked);
      const reference = profileFit(logits, heldOut.clicked);
      expect(Math.abs(fit.a - reference.a), `seed ${seed}: a ${fit.a} vs ${reference.a}`).toBeLessThan(1e-6);
      expect(Math.abs(fit.b - reference.b), `seed ${seed}: b ${fit.b} vs ${reference.b}`).toBeLessThan(1e-6);
      expect(fit.loss).toBeLessThanOrEqual(plattLoss(logits, heldOut.clicked, reference.a, reference.b) + 1e-12);
    }
  });

  test('logits rounded to float32 at scale, and shifted far from zero, still fit', () => {
    const rng = new Rng(7);
    for (const n of [1000, 100_000]) {
      const x = new Float32Array(n);
      const y = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = Math.fround(-3.4 + 1.3 * rng.normal() + 40); // float32 rounding of large logits
        y[i] = rng.next() < sigmoid(0.7 * (x[i] - 40) - 3.4) ? 1 : 0;
      }
      const fit = fitPlatt(x, y);
      const reference = profileFit(x, y);
      expect(Math.abs(fit.a - reference.a)).toBeLessThan(1e-6);
      expect(Math.abs(fit.b - reference.b)).toBeLessThan(1e-6);
    }
  });

  test('non-finite logits are refused with a clear error', () => {
    const error = (() => {
      try {
        fitPlatt([0.1, Number.NaN, 0.3], [1, 0, 1]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isAdrankError(error) && error.code).toBe('BAD_ARGUMENT');
  });
});
