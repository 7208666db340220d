// The trainer's bookkeeping: per-epoch reports and the position a checkpoint records, so a resumed run
// continues exactly where the saved one stopped.

export interface EpochReport {
  epoch: number;
  /** mean training loss over the epoch's batches */
  trainLoss: number;
  /** mean validation loss of the task (log loss for CTR/CVR), null without validation rows */
  validLoss: number | null;
  /** validation ROC-AUC, for tasks that have one */
  validAuc: number | null;
  steps: number;
  seconds: number;
}

export interface TrainerProgress {
  seed: number;
  epoch: number;
  /** next batch of `epoch` to run */
  batchIndex: number;
  step: number;
  epochLossSum: number;
  epochBatches: number;
  /** the best validation score so far, as "higher is better" (−loss or AUC) */
  bestScore: number | null;
  bestEpoch: number;
  epochsWithoutImprovement: number;
  history: EpochReport[];
}

export function freshProgress(seed: number): TrainerProgress {
  return { seed, epoch: 0, batchIndex: 0, step: 0, epochLossSum: 0, epochBatches: 0, bestScore: null, bestEpoch: -1, epochsWithoutImprovement: 0, history: [] };
}
