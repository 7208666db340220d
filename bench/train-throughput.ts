// Training and inference throughput of the seed CTR model (DLRM-style, focal loss, dense Adam + lazy Adam on
// 1M-row user_id/ad_id tables). Prints one JSON line per batch size on stdout and a per-step profile on stderr.
// Run: npm run bench:train   (env BENCH_ROWS, BENCH_STEPS, BENCH_ROUNDS to change the size of the run)
import { Rng } from '../src/core/rng.js';
import { createSession } from '../src/engine/onnx/runner.js';
import { CtrModel, SEED_CTR_CONFIG, type CtrModelConfig } from '../src/models/ctr-model.js';
import { ctrInferenceGraph } from '../src/models/export.js';
import { checkCtrColumns, RowStore, type CtrColumns } from '../src/train/ctr-data.js';
import { ctrTrainGraph, SEED_CTR_LOSS } from '../src/train/ctr-graph.js';
import { ModelState } from '../src/train/model-state.js';
import { TrainStep } from '../src/train/train-step.js';
import * as ort from 'onnxruntime-node';
import { int64Words } from '../src/engine/dtype.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const INFER_BATCH = 16384;

/** Realistic cardinalities for a seed-like world with a million users and a million ads. */
const BENCH_CONFIG: CtrModelConfig = {
  ...SEED_CTR_CONFIG,
  fields: SEED_CTR_CONFIG.fields.map((field) => {
    const cardinality = { advertiser_id: 1000, user_id: 1_000_000, ad_id: 1_000_000 }[field.name];
    return cardinality === undefined ? field : { ...field, cardinality };
  }),
};

/**
 * The data source: encoded columns of `rows` impressions. Synthetic until the world generator lands; replace
 * this function with the generated world's encoded columns. Ids are uniform (the worst case for the sparse
 * update: the most distinct rows per batch); the click depends on a user-taste × ad-category match.
 */
function loadColumns(config: CtrModelConfig, rows: number, rng: Rng): CtrColumns {
  const categorical = config.fields.map((field) => {
    const column = new Int32Array(rows);
    for (let i = 0; i < rows; i++) column[i] = rng.int(field.cardinality);
    return column;
  });
  const numerical = new Float32Array(rows * config.numNumerical);
  for (let i = 0; i < numerical.length; i++) numerical[i] = rng.normal();
  const category = categorical[config.fields.findIndex((f) => f.name === 'category')];
  const user = categorical[config.fields.findIndex((f) => f.name === 'user_id')];
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) labels[i] = rng.bernoulli(user[i] % 3 === category[i] ? 0.3 : 0.03) ? 1 : 0;
  return { categorical, numerical, labels };
}

interface Timing {
  samplesPerSec: number;
  variation: number;
}

/** Best round and the spread between rounds (rounds are noisy when other work shares the two cores). */
function summarise(samples: number, roundMs: number[]): Timing {
  const best = Math.min(...roundMs);
  const worst = Math.max(...roundMs);
  return { samplesPerSec: Math.round((samples / best) * 1000), variation: Number(((worst - best) / best).toFixed(3)) };
}

async function trainThroughput(model: CtrModel, state: ModelState, columns: CtrColumns, batch: number): Promise<{ timing: Timing; profile: Record<string, number> }> {
  const step = await TrainStep.create(ctrTrainGraph(model, SEED_CTR_LOSS), state, batch);
  const rng = new Rng(7);
  const order = rng.permutation(columns.labels.length);
  const rows = RowStore.pack(columns.categorical, columns.numerical, { label: columns.labels });
  let cursor = 0;
  let fillMs = 0;
  const oneStep = async (): Promise<void> => {
    if (cursor + batch > order.length) cursor = 0;
    const t = performance.now();
    rows.fill(step, order, cursor, batch);
    fillMs += performance.now() - t;
    cursor += batch;
    await step.computeGradients(batch, rng);
    step.applyUpdates(batch);
  };
  for (let i = 0; i < 20; i++) await oneStep();
  const roundMs: number[] = [];
  let best = Infinity;
  let profile: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    step.resetProfile();
    fillMs = 0;
    const t = performance.now();
    for (let i = 0; i < STEPS; i++) await oneStep();
    const ms = performance.now() - t;
    roundMs.push(ms);
    if (ms < best) {
      best = ms;
      const p = step.profile;
      const per = (x: number): number => Number((x / p.steps).toFixed(3));
      profile = {
        stepMs: per(ms),
        fillBatchMs: per(fillMs),
        dropoutMaskMs: per(p.maskMs),
        sessionRunMs: per(p.runMs),
        denseAdamMs: per(p.denseMs),
        scatterSparseAdamMs: per(p.sparseMs),
      };
    }
  }
  await step.release();
  return { timing: summarise(STEPS * batch, roundMs), profile };
}

/** The exported, self-contained inference graph (tables as initializers, int64 ids in) at a large batch. */
async function inferThroughput(model: CtrModel, state: ModelState, columns: CtrColumns): Promise<Timing> {
  const session = await createSession(ctrInferenceGraph(model, state).serialize());
  const fields = model.numFields;
  const ids = new BigInt64Array(INFER_BATCH * fields);
  const words = int64Words(ids);
  for (let b = 0; b < INFER_BATCH; b++) for (let f = 0; f < fields; f++) words[2 * (b * fields + f)] = columns.categorical[f][b];
  const numerical = columns.numerical.subarray(0, INFER_BATCH * model.config.numNumerical);
  const feeds = {
    ids: new ort.Tensor('int64', ids, [INFER_BATCH, fields]),
    numerical: new ort.Tensor('float32', numerical, [INFER_BATCH, model.config.numNumerical]),
  };
  const fetches = {
    logit: new ort.Tensor('float32', new Float32Array(INFER_BATCH), [INFER_BATCH]),
    prob: new ort.Tensor('float32', new Float32Array(INFER_BATCH), [INFER_BATCH]),
  };
  for (let i = 0; i < 5; i++) await session.run(feeds, fetches);
  const runs = Math.max(5, Math.round(STEPS / 8));
  const roundMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds, fetches);
    roundMs.push(performance.now() - t);
  }
  await session.release();
  return summarise(runs * INFER_BATCH, roundMs);
}

async function main(): Promise<void> {
  const rng = new Rng(2024);
  const model = new CtrModel(BENCH_CONFIG);
  const columns = loadColumns(BENCH_CONFIG, ROWS, rng.fork('data'));
  checkCtrColumns(columns, BENCH_CONFIG, 'bench');
  const state = ModelState.initialised(model, rng.fork('model'));
  const infer = await inferThroughput(model, state, columns);
  for (const batch of [1024, 4096]) {
    const { timing, profile } = await trainThroughput(model, state, columns, batch);
    const line = {
      model: 'ctr',
      batch,
      trainSamplesPerSec: timing.samplesPerSec,
      inferSamplesPerSec: infer.samplesPerSec,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      inferBatch: INFER_BATCH,
      rows: ROWS,
      trainRoundVariation: timing.variation,
      inferRoundVariation: infer.variation,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    process.stderr.write(`profile batch ${batch} (ms per step, best round): ${JSON.stringify(profile)}\n`);
  }
}

await main();
