// The training loop shared by every model: seeded shuffling per epoch, one compiled step per batch, a clear
// error when the loss diverges, validation per epoch with early stopping on a chosen metric (the weights of the
// best epoch are kept and restored at the end), and atomic checkpoints a later run resumes from bit for bit.
// What a batch holds and how validation is scored is the task's business.
import { AdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { SessionSettings } from '../engine/onnx/runner.js';
import { BestWeights } from './best-weights.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import type { ModelState } from './model-state.js';
import { freshProgress, type EpochReport, type TrainerProgress } from './progress.js';
import type { TrainGraph } from './train-graph.js';
import { divergenceError, SEED_OPTIMIZER, TrainStep, type OptimizerSettings } from './train-step.js';

/** A model + loss + data source, as the trainer sees it. */
export interface TrainingTask {
  readonly graph: TrainGraph;
  readonly trainRows: number;
  readonly validRows: number;
  /** Write training samples order[start..start+batch) into the step's inputs; `rng` is this step's stream. */
  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, rng: Rng): void;
  /** Score every validation sample in batches of at most `batchSize` (dropout off, nothing updated). */
  validate(step: TrainStep, batchSize: number): Promise<ValidationScores>;
}

/** What one validation pass measured: the task's loss (log loss for CTR/CVR), and the AUC where it has one. */
export interface ValidationScores {
  loss: number;
  auc?: number;
}

/** The validation metric that picks the best epoch: the loss (lower is better) or the AUC (higher is better). */
export type SelectionMetric = 'loss' | 'auc';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  seed: number;
  /**
   * stop after this many epochs without a better validation score (needs validation rows); at the end the state
   * holds the weights of the best epoch
   */
  patience: number;
  /** what "better" means (default 'loss'); for a focal-loss model log loss tracks calibration, AUC ranking */
  selectBy?: SelectionMetric;
  optimizer: OptimizerSettings;
  /** written atomically after every epoch, and every `everySteps` steps if set */
  checkpoint?: { path: string; everySteps?: number };
  /** a checkpoint of this task's model and optimizer to continue from */
  resumeFrom?: string;
  /** stop after this many steps in total (e.g. to checkpoint and resume mid-epoch) */
  maxSteps?: number;
  session?: SessionSettings;
  onEpoch?: (report: EpochReport) => void;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = { epochs: 20, batchSize: 1024, seed: 1, patience: 3, optimizer: SEED_OPTIMIZER };

export interface TrainResult {
  history: EpochReport[];
  /** the epoch whose weights the state holds (-1 without validation: the last epoch's) */
  bestEpoch: number;
  stoppedEarly: boolean;
  steps: number;
}

/** The score that ranks epochs, as "higher is better". */
function selectionScore(scores: ValidationScores, metric: SelectionMetric): number {
  if (metric === 'loss') return -scores.loss;
  if (scores.auc === undefined) {
    throw new AdrankError('BAD_CONFIG', 'selectBy "auc" for a task without an AUC', { location: { field: 'selectBy', value: metric }, hint: 'select this model by its validation loss' });
  }
  return scores.auc;
}

/** Train `state` in place. */
export async function train(task: TrainingTask, state: ModelState, settings: TrainSettings): Promise<TrainResult> {
  if (!(settings.batchSize > 0 && task.trainRows > 0 && settings.patience >= 1)) {
    throw new AdrankError('BAD_ARGUMENT', `cannot train on ${task.trainRows} rows with batch size ${settings.batchSize}, patience ${settings.patience}`, {
      hint: 'pass training rows, a positive batch size and a patience of at least 1',
    });
  }
  const step = await TrainStep.create(task.graph, state, settings.batchSize, settings.optimizer, settings.session);
  try {
    let progress = freshProgress(settings.seed);
    const best = new BestWeights(state);
    if (settings.resumeFrom !== undefined) {
      progress = await loadCheckpoint(settings.resumeFrom, state, step, best);
      if (progress.seed !== settings.seed) {
        throw new AdrankError('BAD_ARGUMENT', `checkpoint was trained with seed ${progress.seed}, not ${settings.seed}`, { hint: 'resume with the same seed' });
      }
    }
    const loop = new Loop(task, state, step, settings, progress, best);
    return await loop.run();
  } finally {
    await step.release();
  }
}

class Loop {
  private readonly root: Rng;
  private readonly batches: number;
  private readonly metric: SelectionMetric;

  constructor(
    private readonly task: TrainingTask,
    private readonly state: ModelState,
    private readonly step: TrainStep,
    private readonly settings: TrainSettings,
    private readonly progress: TrainerProgress,
    private readonly best: BestWeights,
  ) {
    this.root = new Rng(settings.seed);
    this.batches = Math.ceil(task.trainRows / settings.batchSize);
    this.metric = settings.selectBy ?? 'loss';
  }

  async run(): Promise<TrainResult> {
    const { progress, settings } = this;
    let stoppedEarly = progress.epochsWithoutImprovement >= settings.patience;
    while (progress.epoch < settings.epochs && !stoppedEarly) {
      const started = performance.now();
      const finished = await this.runBatches();
      if (!finished) return this.result(false);
      stoppedEarly = await this.endEpoch((performance.now() - started) / 1000);
    }
    this.best.restore();
    return this.result(stoppedEarly);
  }

  /** The rest of the current epoch; false when maxSteps stopped it. */
  private async runBatches(): Promise<boolean> {
    const { progress, settings, task, step } = this;
    // the epoch's order is a function of (seed, epoch) alone, so a resumed run sees the same batches
    const order = this.root.fork(`shuffle:${progress.epoch}`).permutation(task.trainRows);
    while (progress.batchIndex < this.batches) {
      if (settings.maxSteps !== undefined && progress.step >= settings.maxSteps) {
        await this.save();
        return false;
      }
      const start = progress.batchIndex * settings.batchSize;
      const batch = Math.min(settings.batchSize, task.trainRows - start);
      const stepRng = this.root.fork(`step:${progress.step}`); // dropout masks and sampling of this step
      task.fillTrain(step, order, start, batch, stepRng);
      const loss = await step.computeGradients(batch, stepRng);
      if (!Number.isFinite(loss)) {
        throw divergenceError(loss, { step: progress.step, epoch: progress.epoch, batchIndex: progress.batchIndex, lr: settings.optimizer.dense.lr });
      }
      step.applyUpdates(batch);
      progress.step++;
      progress.batchIndex++;
      progress.epochLossSum += loss;
      progress.epochBatches++;
      const every = settings.checkpoint?.everySteps;
      if (every !== undefined && progress.step % every === 0) await this.save();
    }
    return true;
  }

  /** Validate, record the epoch, update early stopping, checkpoint; true when training should stop. */
  private async endEpoch(seconds: number): Promise<boolean> {
    const { progress, settings } = this;
    const scores = this.task.validRows > 0 ? await this.task.validate(this.step, settings.batchSize) : null;
    const report: EpochReport = {
      epoch: progress.epoch,
      trainLoss: progress.epochLossSum / progress.epochBatches,
      validLoss: scores?.loss ?? null,
      validAuc: scores?.auc ?? null,
      steps: progress.epochBatches,
      seconds,
    };
    progress.history.push(report);
    settings.onEpoch?.(report);
    if (scores !== null) {
      const score = selectionScore(scores, this.metric);
      if (progress.bestScore === null || score > progress.bestScore) {
        Object.assign(progress, { bestScore: score, bestEpoch: progress.epoch, epochsWithoutImprovement: 0 });
        this.best.keep();
      } else {
        progress.epochsWithoutImprovement++;
      }
    }
    Object.assign(progress, { epoch: progress.epoch + 1, batchIndex: 0, epochLossSum: 0, epochBatches: 0 });
    await this.save();
    return progress.epochsWithoutImprovement >= settings.patience;
  }

  private async save(): Promise<void> {
    if (this.settings.checkpoint) await saveCheckpoint(this.settings.checkpoint.path, this.state, this.step, this.progress, this.best);
  }

  private result(stoppedEarly: boolean): TrainResult {
    const { progress } = this;
    return { history: progress.history, bestEpoch: progress.bestEpoch, stoppedEarly, steps: progress.step };
  }
}
