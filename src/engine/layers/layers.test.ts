// Finite-difference checks (float64) of every layer's backward ops on tiny shapes.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../core/rng.js';
import { finiteDifferenceCheck, weightedSum, type FdInput } from '../testing/finite-difference.js';
import type { Comparison } from '../testing/compare.js';
import type { ParamSpec } from '../params.js';
import type { LayerContext } from './context.js';
import { concat } from './concat.js';
import { DotInteraction } from './dot-interaction.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Mlp } from './mlp.js';
import { relu } from './relu.js';
import { reluDropout } from './relu-dropout.js';
import { Tower } from './tower.js';

const B = 3;

function expectAllClose(results: Comparison[], expectedTensors: number): void {
  expect(results.length).toBe(expectedTensors);
  expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
}

/** Check a single-input layer x (B,I) → y (B,O): gradients of x and of every parameter. */
async function checkLayer(
  inDim: number,
  outDim: number,
  params: readonly ParamSpec[],
  apply: (ctx: LayerContext, x: string) => { y: string; backward(dy: string): string },
  seed: number,
): Promise<Comparison[]> {
  const rng = new Rng(seed);
  const inputs: Record<string, FdInput> = { x: { shape: [B, inDim] } };
  return finiteDifferenceCheck(
    inputs,
    params,
    (ctx, names) => {
      const out = apply(ctx, names.x);
      const { objective, dy } = weightedSum(ctx, out.y, [B, outDim], rng);
      return { objective, inputGrads: { x: out.backward(dy) } };
    },
    { rng, maskRows: B },
  );
}

describe('layer backward vs finite differences (float64)', () => {
  test('Linear: dx, dW, db', async () => {
    const linear = new Linear('lin', 4, 5);
    expectAllClose(await checkLayer(4, 5, linear.params(), (ctx, x) => linear.forward(ctx, x), 1), 3);
  });

  test('ReLU', async () => {
    expectAllClose(await checkLayer(6, 6, [], (ctx, x) => relu(ctx, x), 2), 1);
  });

  test('Dropout with a fixed mask', async () => {
    const dropout = new Dropout('drop', 6, 0.4);
    expectAllClose(await checkLayer(6, 6, [], (ctx, x) => dropout.forward(ctx, x), 3), 1);
  });

  test('fused ReLU + Dropout', async () => {
    const dropout = new Dropout('drop', 6, 0.4);
    expectAllClose(await checkLayer(6, 6, [], (ctx, x) => reluDropout(ctx, x, dropout), 4), 1);
  });

  test('MLP with dropout: every weight and bias', async () => {
    const mlp = new Mlp('mlp', { inDim: 6, hidden: [5, 4], outDim: 2, dropout: 0.3 });
    expectAllClose(await checkLayer(6, 2, mlp.params(), (ctx, x) => mlp.forward(ctx, x), 5), 7);
  });

  test('DotInteraction: d emb and the shared projection', async () => {
    const fields = 4;
    const dim = 3;
    const interaction = new DotInteraction({ projectionName: 'proj', numFields: fields, dim, projDim: 2 });
    expect(interaction.numPairs).toBe(6);
    const apply = (ctx: LayerContext, x: string) => {
      const out = interaction.forward(ctx, x);
      return { y: out.y, backward: (dy: string) => ctx.g.op('Reshape', [out.backward(dy), ctx.g.ints([B, fields * dim])]) };
    };
    expectAllClose(await checkLayer(fields * dim, 6, interaction.params(), apply, 6), 3);
  });

  test('Concat: both parts', async () => {
    const rng = new Rng(7);
    const results = await finiteDifferenceCheck(
      { a: { shape: [B, 2] }, b: { shape: [B, 3] } },
      [],
      (ctx, names) => {
        const joined = concat(ctx, [names.a, names.b], [2, 3]);
        const { objective, dy } = weightedSum(ctx, joined.y, [B, 5], rng);
        const [da, db] = joined.backward(dy);
        return { objective, inputGrads: { a: da, b: db } };
      },
      { rng },
    );
    expectAllClose(results, 2);
  });

  test('Tower: d emb and every MLP parameter', async () => {
    const rng = new Rng(8);
    const tower = new Tower('user', { numFields: 2, dim: 3, numNumerical: 2, hidden: [4], outDim: 3 });
    const results = await finiteDifferenceCheck(
      { emb: { shape: [B, 6] }, numerical: { shape: [B, 2] } },
      tower.params(),
      (ctx, names) => {
        const out = tower.forward(ctx, names.emb, names.numerical);
        const { objective, dy } = weightedSum(ctx, out.y, [B, 3], rng);
        return { objective, inputGrads: { emb: out.backward(dy) } };
      },
      { rng },
    );
    expectAllClose(results, 5);
  });
});
