// Optimizers against plain float64 reference loops written from PyTorch's update rules, and the row-gradient
// summing against a Map-based reference.
import { describe, expect, test } from 'vitest';
import { Rng } from '../../core/rng.js';
import { RowGradients } from '../embedding/row-gradients.js';
import { EmbeddingTable } from '../embedding/table.js';
import { DenseAdam, SEED_ADAM } from './adam.js';
import { LazyAdam, SparseAdagrad, SEED_LAZY_ADAM } from './sparse.js';

function randomArray(n: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * (2 * rng.next() - 1));
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-5, abs = 1e-7): void {
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= abs || err <= rel * Math.abs(expected[i]))) throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('dense Adam (torch.optim.Adam, L2 weight decay)', () => {
  test('matches the reference loop over 50 steps', () => {
    const rng = new Rng(1);
    const value = randomArray(40, rng);
    const grad = new Float32Array(40);
    const adam = new DenseAdam([{ name: 'w', value, grad }], SEED_ADAM);
    // reference: PyTorch 1.13 _single_tensor_adam in float64
    const p = Float64Array.from(value);
    const m = new Float64Array(40);
    const v = new Float64Array(40);
    const { lr, beta1, beta2, eps, weightDecay } = SEED_ADAM;
    for (let t = 1; t <= 50; t++) {
      grad.set(randomArray(40, rng, 0.1));
      adam.update();
      for (let i = 0; i < 40; i++) {
        const g = grad[i] + weightDecay * p[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        const denom = Math.sqrt(v[i]) / Math.sqrt(1 - beta2 ** t) + eps;
        p[i] -= (lr / (1 - beta1 ** t)) * (m[i] / denom);
      }
    }
    expectClose(value, p, 1e-5, 1e-7);
    expect(adam.step).toBe(50);
  });

  test('the first step moves each weight by lr against the sign of its gradient', () => {
    const value = Float32Array.from([0.5, -0.25, 1]);
    const grad = Float32Array.from([0.3, -2, 1e-3]);
    new DenseAdam([{ name: 'w', value, grad }], { ...SEED_ADAM, weightDecay: 0 }).update();
    expectClose(value, [0.5 - 1e-3, -0.25 + 1e-3, 1 - 1e-3], 1e-4);
  });
});

describe('row-sparse optimizers', () => {
  const dim = 4;

  function touchedRows(rng: Rng, rows: number, count: number): { ids: Int32Array; grads: Float32Array } {
    const ids = Int32Array.from({ length: count }, () => rng.int(rows));
    return { ids, grads: randomArray(count * dim, rng, 0.5) };
  }

  test('RowGradients sums duplicate ids, in first-seen order', () => {
    const rng = new Rng(2);
    const table = new EmbeddingTable({ name: 't', rows: 6, dim });
    const acc = new RowGradients(table, 20);
    for (let round = 0; round < 3; round++) {
      const { ids, grads } = touchedRows(rng, 6, 20);
      acc.collect(ids, grads, 20);
      const reference = new Map<number, number[]>();
      ids.forEach((id, s) => {
        const sum = reference.get(id) ?? new Array<number>(dim).fill(0);
        for (let d = 0; d < dim; d++) sum[d] += grads[s * dim + d];
        reference.set(id, sum);
      });
      expect(Array.from(acc.rows.subarray(0, acc.count))).toEqual([...reference.keys()]);
      [...reference.values()].forEach((sum, u) => expectClose(acc.sums.subarray(u * dim, (u + 1) * dim), sum));
    }
  });

  test('lazy Adam = SparseAdam: touched rows updated with the table step, untouched rows and moments left alone', () => {
    const rng = new Rng(3);
    const rows = 8;
    const table = new EmbeddingTable({ name: 't', rows, dim }, randomArray(rows * dim, rng));
    const optimizer = new LazyAdam(table);
    const acc = new RowGradients(table, 5);
    const p = Float64Array.from(table.data);
    const m = new Float64Array(rows * dim);
    const v = new Float64Array(rows * dim);
    const { lr, beta1, beta2, eps } = SEED_LAZY_ADAM;
    for (let t = 1; t <= 30; t++) {
      const { ids, grads } = touchedRows(rng, 4, 5); // rows 4..7 are never touched
      acc.collect(ids, grads, 5);
      optimizer.update(acc.rows, acc.count, acc.sums);
      const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      for (let u = 0; u < acc.count; u++) {
        for (let d = 0; d < dim; d++) {
          const i = acc.rows[u] * dim + d;
          const g = acc.sums[u * dim + d];
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + eps);
        }
      }
    }
    expectClose(table.data, p, 1e-5, 1e-7);
    const state = optimizer.state();
    expect(state.step).toBe(30);
    expect(Array.from(state.arrays.moments.subarray(2 * 4 * dim))).toEqual(new Array(2 * 4 * dim).fill(0));
  });

  test('lazy Adam with weight decay shrinks only the touched rows, before their Adam step', () => {
    const rng = new Rng(5);
    const rows = 6;
    const table = new EmbeddingTable({ name: 't', rows, dim }, randomArray(rows * dim, rng));
    const settings = { ...SEED_LAZY_ADAM, lr: 0.01, weightDecay: 2 };
    const optimizer = new LazyAdam(table, settings);
    const acc = new RowGradients(table, 4);
    const p = Float64Array.from(table.data);
    const m = new Float64Array(rows * dim);
    const v = new Float64Array(rows * dim);
    const { lr, beta1, beta2, eps } = settings;
    for (let t = 1; t <= 20; t++) {
      const { ids, grads } = touchedRows(rng, 3, 4); // rows 3..5 never touched
      acc.collect(ids, grads, 4);
      optimizer.update(acc.rows, acc.count, acc.sums);
      const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      for (let u = 0; u < acc.count; u++) {
        for (let d = 0; d < dim; d++) {
          const i = acc.rows[u] * dim + d;
          const g = acc.sums[u * dim + d];
          p[i] *= 1 - lr * 2;
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + eps);
        }
      }
    }
    expectClose(table.data, p, 1e-5, 1e-7);
  });

  test('sparse Adagrad matches the reference loop', () => {
    const rng = new Rng(4);
    const rows = 6;
    const table = new EmbeddingTable({ name: 't', rows, dim }, randomArray(rows * dim, rng));
    const optimizer = new SparseAdagrad(table, { lr: 0.05, eps: 1e-10 });
    const acc = new RowGradients(table, 7);
    const p = Float64Array.from(table.data);
    const sum = new Float64Array(rows * dim);
    for (let t = 1; t <= 30; t++) {
      const { ids, grads } = touchedRows(rng, rows, 7);
      acc.collect(ids, grads, 7);
      optimizer.update(acc.rows, acc.count, acc.sums);
      for (let u = 0; u < acc.count; u++) {
        for (let d = 0; d < dim; d++) {
          const i = acc.rows[u] * dim + d;
          const g = acc.sums[u * dim + d];
          sum[i] += g * g;
          p[i] -= (0.05 * g) / (Math.sqrt(sum[i]) + 1e-10);
        }
      }
    }
    expectClose(table.data, p, 1e-5, 1e-7);
  });
});
