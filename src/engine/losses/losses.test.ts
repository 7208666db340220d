// Every loss: its value against a plain reference formula, and its gradient against finite differences
// (float64). The focal loss also gets the clamp's zero gradient where σ(x) leaves [1e-7, 1−1e-7].
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { Rng } from '../../core/rng.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { finiteDifferenceCheck } from '../testing/finite-difference.js';
import { bceWithLogits } from './bce.js';
import { esmmLoss } from './esmm.js';
import { focalLoss } from './focal.js';
import { softmaxCrossEntropyFirst } from './softmax-ce.js';
import { inBatchSoftmax } from './in-batch-softmax.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const LOGITS = [-2.5, -0.7, 0.1, 0.9, 2.2, -1.3];
const LABELS = [0, 1, 1, 0, 1, 0];

/** Run a loss graph on logits/labels in float64; returns [loss, dLogit...]. */
async function runLoss(build: (g: GraphBuilder, logit: string, label: string) => { loss: string; dLogit: string }, logits: number[], labels: number[]): Promise<{ loss: number; dLogit: number[] }> {
  const g = new GraphBuilder('loss', 'float64');
  const logit = g.input('logit', 'float64', ['B']);
  const label = g.input('label', 'float64', ['B']);
  const out = build(g, logit, label);
  g.output(g.rename(out.loss, 'loss'), 'float64', []);
  g.output(g.rename(out.dLogit, 'dlogit'), 'float64', ['B']);
  const session = await ort.InferenceSession.create(g.serialize());
  const result = await session.run({
    logit: new ort.Tensor('float64', Float64Array.from(logits), [logits.length]),
    label: new ort.Tensor('float64', Float64Array.from(labels), [labels.length]),
  });
  return { loss: Number(result.loss.data[0]), dLogit: Array.from(result.dlogit.data as Float64Array) };
}

async function fdSingleLogitLoss(build: (g: GraphBuilder, logit: string, label: string) => { loss: string; dLogit: string }, seed: number, logits = LOGITS): Promise<void> {
  const rng = new Rng(seed);
  const results = await finiteDifferenceCheck(
    { logit: { shape: [logits.length], values: logits }, label: { shape: [LABELS.length], values: LABELS } },
    [],
    (ctx, names) => {
      const out = build(ctx.g, names.logit, names.label);
      return { objective: out.loss, inputGrads: { logit: out.dLogit } };
    },
    { rng },
  );
  expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
  expect(results.length).toBe(1);
}

describe('losses', () => {
  test('BCE with logits: value and gradient', async () => {
    const { loss } = await runLoss(bceWithLogits, LOGITS, LABELS);
    const reference = mean(LOGITS.map((x, i) => -(LABELS[i] * Math.log(sigmoid(x)) + (1 - LABELS[i]) * Math.log(1 - sigmoid(x)))));
    expect(loss).toBeCloseTo(reference, 12);
    await fdSingleLogitLoss(bceWithLogits, 1);
  });

  test('focal loss (α 0.25, γ 2): value and gradient', async () => {
    const build = (g: GraphBuilder, logit: string, label: string) => focalLoss(g, logit, label, { alpha: 0.25, gamma: 2 });
    const { loss } = await runLoss(build, LOGITS, LABELS);
    const reference = mean(
      LOGITS.map((x, i) => {
        const p = sigmoid(x);
        return LABELS[i] === 1 ? -0.25 * (1 - p) ** 2 * Math.log(p) : -0.75 * p ** 2 * Math.log(1 - p);
      }),
    );
    expect(loss).toBeCloseTo(reference, 12);
    await fdSingleLogitLoss(build, 2);
  });

  test('focal loss: the clamp passes no gradient outside [1e-7, 1−1e-7]', async () => {
    const logits = [25, -25, 25, -25];
    const { loss, dLogit } = await runLoss(focalLoss, logits, [1, 0, 0, 1]);
    expect(dLogit.map(Math.abs)).toEqual([0, 0, 0, 0]);
    // the clamped probabilities still give the seed's loss values
    const lo = 1e-7;
    const hi = 1 - 1e-7;
    const expected = mean([-0.25 * (1 - hi) ** 2 * Math.log(hi), -0.75 * lo ** 2 * Math.log(1 - lo), -0.75 * hi ** 2 * Math.log(1 - hi), -0.25 * (1 - lo) ** 2 * Math.log(lo)]);
    expect(loss).toBeCloseTo(expected, 12);
  });

  test('softmax cross-entropy over [positive, negatives]', async () => {
    const rng = new Rng(3);
    const scores = Array.from({ length: 4 * 5 }, () => 3 * (2 * rng.next() - 1));
    const results = await finiteDifferenceCheck(
      { scores: { shape: [4, 5], values: scores } },
      [],
      (ctx, names) => {
        const out = softmaxCrossEntropyFirst(ctx.g, names.scores, 5);
        return { objective: out.loss, inputGrads: { scores: out.dScores } };
      },
      { rng },
    );
    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
  });

  test('ESMM loss: both logit gradients', async () => {
    const rng = new Rng(4);
    const click = [1, 1, 0, 1, 0, 1];
    const convert = [1, 0, 0, 1, 1, 0]; // a conversion without a click counts as no conversion
    const results = await finiteDifferenceCheck(
      {
        ctr: { shape: [6], values: [0.3, -1.2, 0.8, 2.0, -0.4, 1.1] },
        cvr: { shape: [6], values: [-0.6, 0.9, 1.5, -2.1, 0.2, 0.4] },
        click: { shape: [6], values: click },
        convert: { shape: [6], values: convert },
      },
      [],
      (ctx, names) => {
        const out = esmmLoss(ctx.g, names.ctr, names.cvr, names.click, names.convert);
        return { objective: out.loss, inputGrads: { ctr: out.dCtrLogit, cvr: out.dCvrLogit } };
      },
      { rng },
    );
    expect(results.length).toBe(2);
    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
  });
});

describe('in-batch softmax with logQ correction and accidental-hit masking', () => {
  const B = 4;
  const P = 7;
  const O = 3;
  const rng = new Rng(21);
  const user = Array.from({ length: B * O }, () => rng.normal());
  const ad = Array.from({ length: P * O }, () => rng.normal());
  const logQ = Array.from({ length: P }, () => Math.log(0.01 + rng.next()));
  // row 1's positive ad (key 5) appears again in column 3, row 0's (key 2) in column 6: both are masked for that row
  const positiveKey = [2, 5, 8, 9];
  const columnKey = [2, 5, 8, 9, 5, 11, 2];

  function reference(): number {
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const scores: number[] = [];
      for (let j = 0; j < P; j++) {
        if (j !== b && columnKey[j] === positiveKey[b]) continue;
        let dot = 0;
        for (let o = 0; o < O; o++) dot += user[b * O + o] * ad[j * O + o];
        scores.push(dot - logQ[j]);
      }
      let dotB = 0;
      for (let o = 0; o < O; o++) dotB += user[b * O + o] * ad[b * O + o];
      const max = Math.max(...scores);
      const logSum = max + Math.log(scores.reduce((s, x) => s + Math.exp(x - max), 0));
      loss += logSum - (dotB - logQ[b]);
    }
    return loss / B;
  }

  test('value against the plain formula, gradients against finite differences', async () => {
    const results = await finiteDifferenceCheck(
      {
        user: { shape: [B, O], values: user }, ad: { shape: [P, O], values: ad }, logq: { shape: [P], values: logQ },
        positive: { shape: [B], values: positiveKey }, column: { shape: [P], values: columnKey },
      },
      [],
      (ctx, names) => {
        const out = inBatchSoftmax(ctx.g, names.user, names.ad, names.logq, names.positive, names.column);
        return { objective: out.loss, inputGrads: { user: out.dUser, ad: out.dAd } };
      },
      { rng },
    );
    expect(results.filter((r) => !r.ok).map((r) => r.message)).toEqual([]);
    expect(results).toHaveLength(2);

    const g = new GraphBuilder('ibs', 'float64');
    const names = ['user', 'ad', 'logq', 'positive', 'column'];
    const shapes = [[B, O], [P, O], [P], [B], [P]];
    names.forEach((n, i) => g.input(n, 'float64', shapes[i]));
    const out = inBatchSoftmax(g, 'user', 'ad', 'logq', 'positive', 'column');
    g.output(g.rename(out.loss, 'loss'), 'float64', []);
    const session = await ort.InferenceSession.create(g.serialize());
    const values = [user, ad, logQ, positiveKey, columnKey];
    const run = await session.run(Object.fromEntries(names.map((n, i) => [n, new ort.Tensor('float64', Float64Array.from(values[i]), shapes[i])])));
    expect(Number(run.loss.data[0])).toBeCloseTo(reference(), 10);
  });
});
