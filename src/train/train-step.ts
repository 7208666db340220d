// One training step of any compiled model: draw dropout masks, one session.run that gathers the embedding
// rows and returns the loss and every gradient, then dense Adam and a row-sparse update of the touched rows.
// The caller fills the bags' ids and the data inputs (numericals, labels) before each step.
// Legend: S rows of a bag in this batch (batch × rowsPerSample), F fields of the bag, D dim, U touched rows.
import { AdrankError, assert } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { RowGradients } from '../engine/embedding/row-gradients.js';
import { arenaLayout } from '../engine/embedding/lookup.js';
import { arenaOf, EmbeddingTable } from '../engine/embedding/table.js';
import { PARAMS_GRAD, PARAMS_INPUT } from '../engine/layers/context.js';
import { DenseAdam, SEED_ADAM, type AdamSettings } from '../engine/optim/adam.js';
import {
  LazyAdam,
  SEED_LAZY_ADAM,
  SparseAdagrad,
  type AdagradSettings,
  type LazyAdamSettings,
  type SparseOptimizer,
} from '../engine/optim/sparse.js';
import { DEFAULT_SESSION, Runner, type SessionSettings } from '../engine/onnx/runner.js';
import { fillDropoutMask } from './dropout-masks.js';
import type { ModelState } from './model-state.js';
import type { EmbeddingBagSpec, TrainGraph } from './train-graph.js';

export type SparseSettings = ({ kind: 'lazy-adam' } & LazyAdamSettings) | ({ kind: 'adagrad' } & AdagradSettings);

export interface OptimizerSettings {
  dense: AdamSettings;
  sparse: SparseSettings;
}

export const SEED_OPTIMIZER: OptimizerSettings = { dense: SEED_ADAM, sparse: { kind: 'lazy-adam', ...SEED_LAZY_ADAM } };

export function sparseOptimizer(table: EmbeddingTable, settings: SparseSettings): SparseOptimizer {
  return settings.kind === 'lazy-adam' ? new LazyAdam(table, settings) : new SparseAdagrad(table, settings);
}

/**
 * A bag at run time: its tables, their arena, the arena rows the caller writes (the graph's ids input), and
 * one row-gradient accumulator and sparse optimizer over the arena. Every table of a bag is touched at every
 * step (each sample has one id per field), so the arena's step count is each table's own: one lazy Adam over
 * the arena updates exactly as PyTorch's SparseAdam on the separate tables.
 */
export interface BagRuntime {
  spec: EmbeddingBagSpec;
  tables: EmbeddingTable[];
  /** row offset of each table in the arena (F) */
  offsets: Int32Array;
  /** all tables of the bag as one (R,D) table */
  arena: EmbeddingTable;
  /** arena rows (S,F): sample s, field f at s·F+f is offsets[f] + id; the caller fills batch·rowsPerSample rows */
  ids: Int32Array;
  rowGradients: RowGradients;
  optimizer: SparseOptimizer;
}

/** Milliseconds spent in each phase since the last reset. */
export interface StepProfile {
  steps: number;
  maskMs: number;
  runMs: number;
  sparseMs: number;
  denseMs: number;
}

export class TrainStep {
  readonly bags: BagRuntime[];
  readonly dense: DenseAdam;
  readonly profile: StepProfile = { steps: 0, maskMs: 0, runMs: 0, sparseMs: 0, denseMs: 0 };

  private constructor(
    readonly graph: TrainGraph,
    readonly runner: Runner,
    readonly state: ModelState,
    readonly settings: OptimizerSettings,
  ) {
    assert(graph.dtype === 'float32', 'training runs in float32 (float64 graphs are for gradient checks)');
    const used = new Set<string>();
    this.bags = graph.bags.map((spec) => {
      const tables = spec.tables.map((t) => state.table(t.name));
      for (const t of spec.tables) {
        assert(!used.has(t.name), `table ${t.name} is in two bags: it would get two optimizer steps per training step`);
        used.add(t.name);
      }
      const layout = arenaLayout(spec.tables);
      const arena = new EmbeddingTable({ name: spec.arena, rows: layout.rows, dim: tables[0].dim }, arenaOf(tables));
      runner.bind(spec.arena, arena.data); // the graph gathers from the live tables, no copy
      const ids = runner.buffer(spec.ids);
      assert(ids instanceof Int32Array, `${spec.ids} must be int32`);
      return {
        spec,
        tables,
        offsets: Int32Array.from(layout.offsets),
        arena,
        ids,
        rowGradients: new RowGradients(arena, runner.maxBatch * spec.rowsPerSample * tables.length),
        optimizer: sparseOptimizer(arena, settings.sparse),
      };
    });
    assert(state.params.specs.map((s) => s.name).join() === graph.params.map((s) => s.name).join(), 'the state was not made for this graph');
    runner.bind(PARAMS_INPUT, state.params.flat); // the graph reads the parameters in place
    this.dense = new DenseAdam([{ name: PARAMS_INPUT, value: state.params.flat, grad: this.buffer(PARAMS_GRAD) }], settings.dense);
  }

  static async create(
    graph: TrainGraph,
    state: ModelState,
    maxBatch: number,
    settings: OptimizerSettings = SEED_OPTIMIZER,
    session: SessionSettings = DEFAULT_SESSION,
  ): Promise<TrainStep> {
    const runner = await Runner.create(graph.model, graph.inputs, graph.outputs, maxBatch, session);
    return new TrainStep(graph, runner, state, settings);
  }

  /** The buffer of a float32 input to fill (numericals, labels) or output to read (logits, loss). */
  buffer(name: string): Float32Array {
    return this.runner.floats(name) as Float32Array;
  }

  /** Forward and backward for the first `batch` samples; returns the mean loss. Parameters are not touched. */
  async computeGradients(batch: number, dropoutRng: Rng): Promise<number> {
    const t = performance.now();
    for (const mask of this.graph.masks) fillDropoutMask(this.buffer(mask.name), batch * mask.width, mask.keepProb, dropoutRng);
    const t1 = performance.now();
    this.profile.maskMs += t1 - t;
    await this.runner.run(batch);
    this.profile.runMs += performance.now() - t1;
    return this.buffer('loss')[0];
  }

  /** Forward (and unused backward) with dropout off, for validation; returns the mean loss. Nothing is updated. */
  async evaluate(batch: number): Promise<number> {
    for (const mask of this.graph.masks) this.buffer(mask.name).fill(1, 0, batch * mask.width);
    await this.runner.run(batch);
    return this.buffer('loss')[0];
  }

  /** Apply the gradients of the last computeGradients: dense Adam, then the sparse rows. */
  applyUpdates(batch: number): void {
    const t = performance.now();
    this.dense.update();
    const t1 = performance.now();
    this.profile.denseMs += t1 - t;
    for (const bag of this.bags) {
      const acc = bag.rowGradients;
      acc.collect(bag.ids, this.buffer(bag.spec.grad), batch * bag.spec.rowsPerSample * bag.tables.length);
      bag.optimizer.update(acc.rows, acc.count, acc.sums);
    }
    this.profile.sparseMs += performance.now() - t1;
    this.profile.steps++;
  }

  resetProfile(): void {
    Object.assign(this.profile, { steps: 0, maskMs: 0, runMs: 0, sparseMs: 0, denseMs: 0 });
  }

  async release(): Promise<void> {
    await this.runner.release();
  }
}

/** The error for a loss that became NaN or infinite, naming where and with what learning rate. */
export function divergenceError(loss: number, where: { step: number; epoch: number; batchIndex: number; lr: number }): AdrankError {
  return new AdrankError(
    'NUMERIC_DIVERGENCE',
    `training loss became ${loss} at step ${where.step} (epoch ${where.epoch}, batch ${where.batchIndex}) with learning rate ${where.lr}`,
    {
      hint: 'lower the learning rate, check the inputs of that batch for extreme or non-finite values, or resume from the last checkpoint',
      details: where,
    },
  );
}
