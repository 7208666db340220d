// The two-tower training graph against PyTorch 1.13 (../shared/golden/two_tower.json): user and positive ad
// vectors, the [positive, 4 negatives] scores, the softmax cross-entropy loss, and the gradient of every
// user-tower and ad-tower parameter, embedding tables included. float32 and float64.
import { describe, expect, test } from 'vitest';
import { toFloat, type FloatDtype } from '../src/engine/dtype.js';
import { arenaLayout } from '../src/engine/embedding/lookup.js';
import { Runner } from '../src/engine/onnx/runner.js';
import { paramOffsets, sizeOf } from '../src/engine/params.js';
import { compareArrays, summarise } from '../src/engine/testing/compare.js';
import { flat, loadGolden, type Nested } from '../src/engine/testing/golden.js';
import { SEED_TWO_TOWER_CONFIG, TwoTowerModel, type TowerModel } from '../src/models/two-tower.js';
import { twoTowerTrainGraph } from '../src/train/two-tower-graph.js';

interface TwoTowerGolden {
  user_params: Record<string, Nested>;
  ad_params: Record<string, Nested>;
  inputs: {
    user_ids: number[][];
    user_numerical: number[][];
    pos_ids: number[][];
    pos_numerical: number[][];
    neg_ids: number[][][];
    neg_numerical: number[][][];
  };
  outputs: { user_vec: number[][]; pos_vec: number[][]; scores: number[][]; loss: number };
  user_grads: Record<string, Nested>;
  ad_grads: Record<string, Nested>;
}

const golden = loadGolden<TwoTowerGolden>('two_tower.json');
const FORWARD = { rel: 1e-5, abs: 1e-7 };
const GRAD = { rel: 1e-4, abs: 1e-6 };
const NEGATIVES = 4;

/** golden names are per tower ('emb.age_group.weight', 'mlp.0.weight'); ours carry the tower prefix. */
function goldenName(tower: TowerModel, name: string): string {
  return name.slice(tower.name.length + 1);
}

describe.each(['float32', 'float64'] as const)('two-tower vs PyTorch golden (%s)', (dtype: FloatDtype) => {
  test('vectors, scores, loss and every gradient', async () => {
    const model = new TwoTowerModel(SEED_TWO_TOWER_CONFIG);
    const graph = twoTowerTrainGraph(model, NEGATIVES, dtype);
    const batch = golden.inputs.user_ids.length;
    const runner = await Runner.create(graph.model, graph.inputs, graph.outputs, batch);
    const towers = [
      { tower: model.user, params: golden.user_params, grads: golden.user_grads },
      { tower: model.ad, params: golden.ad_params, grads: golden.ad_grads },
    ];
    for (const { tower, params } of towers) {
      const arena = tower.embeddings().flatMap((t) => flat(params[`${goldenName(tower, t.name)}.weight`]));
      runner.bind(`${tower.name}.rows`, toFloat(dtype, arena));
    }
    const goldenParam = (name: string): number[] => {
      const tower = name.startsWith('user.') ? towers[0] : towers[1];
      return flat(tower.params[goldenName(tower.tower, name)]);
    };
    runner.bind('params', toFloat(dtype, graph.params.flatMap((p) => goldenParam(p.name))));
    const { offsets } = paramOffsets(graph.params);
    const flatGrad = runner.floats('grad.params');
    // per click: the positive ad first, then the negatives
    const adIds = golden.inputs.pos_ids.flatMap((pos, b) => [pos, ...golden.inputs.neg_ids[b]]);
    const adNum = golden.inputs.pos_numerical.flatMap((pos, b) => [pos, ...golden.inputs.neg_numerical[b]]);
    const arenaRows = (tower: TowerModel, rows: number[][]): number[] => {
      const { offsets } = arenaLayout(tower.embeddings());
      return rows.flatMap((row) => row.map((id, f) => offsets[f] + id));
    };
    (runner.buffer('user.ids') as Int32Array).set(arenaRows(model.user, golden.inputs.user_ids));
    (runner.buffer('ad.ids') as Int32Array).set(arenaRows(model.ad, adIds));
    runner.floats('user_numerical').set(golden.inputs.user_numerical.flat());
    runner.floats('ad_numerical').set(adNum.flat());
    await runner.run(batch);

    const checks = [
      compareArrays(runner.floats('user_vector'), golden.outputs.user_vec.flat(), FORWARD, 'user_vec'),
      compareArrays(
        Array.from(runner.floats('ad_vector')).filter((_, i) => Math.floor(i / 64) % (1 + NEGATIVES) === 0),
        golden.outputs.pos_vec.flat(),
        FORWARD,
        'pos_vec',
      ),
      compareArrays(runner.floats('scores'), golden.outputs.scores.flat(), FORWARD, 'scores'),
      compareArrays(runner.floats('loss'), [golden.outputs.loss], FORWARD, 'loss'),
    ];
    const ids = { user: golden.inputs.user_ids, ad: adIds };
    for (const { tower, grads } of towers) {
      expect(new Set([...tower.params().map((p) => p.name), ...tower.embeddings().map((t) => `${t.name}.weight`)].map((n) => goldenName(tower, n)))).toEqual(
        new Set(Object.keys(grads)),
      );
      for (const p of tower.params()) {
        const at = offsets.get(p.name) ?? 0;
        checks.push(compareArrays(flatGrad.subarray(at, at + sizeOf(p.shape)), flat(grads[goldenName(tower, p.name)]), GRAD, p.name));
      }
      const dRows = runner.floats(`grad.${tower.name}`);
      const fields = tower.fields.length;
      const dim = tower.config.embeddingDim;
      tower.embeddings().forEach((table, f) => {
        const summed = new Array<number>(table.rows * dim).fill(0);
        ids[tower.name].forEach((row, s) => {
          for (let d = 0; d < dim; d++) summed[row[f] * dim + d] += dRows[(s * fields + f) * dim + d];
        });
        checks.push(compareArrays(summed, flat(grads[`${goldenName(tower, table.name)}.weight`]), GRAD, table.name));
      });
    }
    expect(checks.filter((c) => !c.ok).map((c) => c.message)).toEqual([]);
    if (process.env.ADRANK_REPORT_GOLDEN) {
      process.stderr.write(`two-tower ${dtype}: ${summarise(checks.slice(0, 4))} (forward); ${summarise(checks.slice(4))} (gradients)\n`);
    }
    await runner.release();
  });
});
