// End to end on the seed world (`adrank generate --preset seed`'s generator, in memory): the seed's CTR model
// with focal loss learns that user 1 prefers shoes, user 4 tech and user 7 food — their preferred ads get the
// highest pCTR from the exported model — and its training loss falls. Numerical features are only hour and
// bid here (standardised); the aggregate features come from the feature pipeline, not needed for this.
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { Rng } from '../core/rng.js';
import { createWorld, generateLog, type GeneratedLog } from '../data/generate/log.js';
import { worldSpec } from '../data/generate/presets.js';
import type { World } from '../data/generate/world.js';
import { CtrModel, SEED_CTR_CONFIG } from '../models/ctr-model.js';
import { ctrInferenceGraph } from '../pipeline/export.js';
import type { CtrColumns } from './columns.js';
import { CtrTask } from './ctr-task.js';
import { ModelState } from './model-state.js';
import { SEED_OPTIMIZER } from './train-step.js';
import { train } from './trainer.js';

const world = createWorld(worldSpec('seed', 2026));

/** The seed's label encoding of a generated log (SEED_CTR_CONFIG field order). */
function encode(w: World, log: GeneratedLog): CtrColumns {
  const n = log.length;
  const column = (f: (i: number) => number): Int32Array => Int32Array.from({ length: n }, (_, i) => f(i));
  const u = log.userIndex;
  const a = log.adIndex;
  const categorical = [
    column((i) => w.userAge[u[i]]),
    column((i) => w.userGender[u[i]]),
    column((i) => w.userCountry[u[i]]),
    column((i) => log.device[i]),
    column((i) => log.location[i]),
    column((i) => log.weekday[i] - 1),
    column((i) => log.month[i] - 1),
    column((i) => w.adCategory[a[i]]),
    column((i) => w.adAdvertiser[a[i]] - 1),
    column((i) => w.adFormat[a[i]]),
    column((i) => u[i]),
    column((i) => a[i]),
  ];
  const numerical = new Float32Array(n * 7);
  for (let i = 0; i < n; i++) {
    numerical[i * 7] = (log.hour[i] - 11.5) / 6.9; // hour, standardised (uniform 0..23)
    numerical[i * 7 + 5] = (w.adBid[a[i]] - 2) / 1; // bid, roughly standardised
  }
  return { categorical, numerical, labels: Float32Array.from(log.clicked) };
}

describe('CTR model end to end on the seed world', () => {
  test('training loss falls and each user’s preferred category ranks first by pCTR', async () => {
    const trainColumns = encode(world, generateLog(world, 20_000, new Rng(1)));
    const validColumns = encode(world, generateLog(world, 4_000, new Rng(2)));
    const model = new CtrModel(SEED_CTR_CONFIG);
    const state = ModelState.initialised(model, new Rng(3));
    const task = new CtrTask(model, { kind: 'focal', alpha: 0.25, gamma: 2 }, trainColumns, validColumns);
    const result = await train(task, state, { epochs: 6, batchSize: 64, seed: 4, patience: 3, optimizer: SEED_OPTIMIZER });
    // the clicks are noisy (CTR 0.3), so the loss floor is high: ask for a steady fall, not a large one
    const losses = result.history.map((h) => h.trainLoss);
    losses.slice(1).forEach((loss, e) => expect(loss, `epoch ${e + 1}`).toBeLessThan(losses[e]));
    expect(result.history[result.history.length - 1].validLoss).toBeLessThan(result.history[0].validLoss ?? 0);

    // score every ad for users 1, 4 and 7 in one context with the exported model
    const session = await ort.InferenceSession.create(ctrInferenceGraph(model, state).serialize());
    const preferences = [
      { user: 0, category: 0 },
      { user: 3, category: 1 },
      { user: 6, category: 2 },
    ];
    for (const { user, category } of preferences) {
      const ids = new BigInt64Array(20 * 12);
      const numerical = new Float32Array(20 * 7);
      for (let ad = 0; ad < 20; ad++) {
        const row = [world.userAge[user], world.userGender[user], world.userCountry[user], 0, 0, 2, 5, world.adCategory[ad], world.adAdvertiser[ad] - 1, world.adFormat[ad], user, ad];
        row.forEach((v, f) => (ids[ad * 12 + f] = BigInt(v)));
        numerical[ad * 7 + 5] = (world.adBid[ad] - 2) / 1;
      }
      const out = await session.run({ ids: new ort.Tensor('int64', ids, [20, 12]), numerical: new ort.Tensor('float32', numerical, [20, 7]) });
      const prob = out.prob.data as Float32Array;
      const preferred = [...prob.keys()].filter((ad) => world.adCategory[ad] === category);
      const others = [...prob.keys()].filter((ad) => world.adCategory[ad] !== category);
      let correctPairs = 0;
      for (const p of preferred) for (const o of others) correctPairs += prob[p] > prob[o] ? 1 : 0;
      const auc = correctPairs / (preferred.length * others.length);
      const top3 = [...prob.keys()].sort((x, y) => prob[y] - prob[x]).slice(0, 3);
      expect(auc, `user ${user + 1}`).toBeGreaterThan(0.9);
      expect(top3.every((ad) => world.adCategory[ad] === category), `user ${user + 1} top 3`).toBe(true);
    }
    await session.release();
  });
});
