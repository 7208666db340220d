// Training task for the retrieval model on clicked impressions: each click's user side against its clicked ad and
// K ads drawn at the click's time (with their point-in-time features), all of a batch's ads serving as candidates
// for every row, with the logQ correction (retrieval-graph.ts). Validation scores fixed batches of the validation
// clicks the same way, so epochs compare.
// Legend: N clicks, K negatives per click, A ads in the catalogue, Fu/Fa user/ad fields, B batch.
import { AdrankError } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import type { TwoTowerModel } from '../models/two-tower.js';
import { checkIdColumns, RowStore } from './columns.js';
import { retrievalTrainGraph } from './retrieval-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask, ValidationScores } from './trainer.js';

export interface SideColumns {
  /** one id column per field of the tower, in its config order */
  categorical: readonly Int32Array[];
  /** (rows, numerical) row-major */
  numerical: Float32Array;
}

export interface RetrievalRows {
  user: SideColumns; // N rows
  positive: SideColumns & { ad: Int32Array }; // N rows; ad = catalogue row of the clicked ad
  negative: SideColumns & { ad: Int32Array }; // N·K rows, click i's negatives at i·K … i·K+K−1
}

interface Packed {
  users: RowStore;
  positives: RowStore;
  negatives: RowStore;
  positiveAd: Int32Array;
  negativeAd: Int32Array;
}

export class RetrievalTask implements TrainingTask {
  readonly graph: TrainGraph;
  private readonly train: Packed;
  private readonly valid: Packed | null;
  private negativeOrder = new Int32Array(0);

  /** logQ (A): log of each catalogue ad's probability of filling a column of a batch. */
  constructor(
    readonly model: TwoTowerModel,
    readonly numNegatives: number,
    private readonly logQ: Float32Array,
    train: RetrievalRows,
    valid?: RetrievalRows,
  ) {
    this.graph = retrievalTrainGraph(model, numNegatives);
    this.train = this.pack(train, 'training clicks');
    this.valid = valid && valid.positive.ad.length > 0 ? this.pack(valid, 'validation clicks') : null;
  }

  private pack(rows: RetrievalRows, what: string): Packed {
    const n = rows.positive.ad.length;
    const K = this.numNegatives;
    if (rows.negative.ad.length !== n * K) {
      throw new AdrankError('BAD_ROWS', `${what}: ${rows.negative.ad.length} negatives for ${n} clicks × ${K}`, { hint: 'K negatives per click' });
    }
    checkIdColumns(rows.user.categorical, this.model.config.user.fields, n, `${what} (user)`);
    checkIdColumns(rows.positive.categorical, this.model.config.ad.fields, n, `${what} (clicked ads)`);
    checkIdColumns(rows.negative.categorical, this.model.config.ad.fields, n * K, `${what} (negatives)`);
    for (const ads of [rows.positive.ad, rows.negative.ad]) {
      const bad = ads.findIndex((a) => !(a >= 0 && a < this.logQ.length));
      if (bad >= 0) throw new AdrankError('OUT_OF_RANGE', `${what}: ad row ${ads[bad]} outside the catalogue of ${this.logQ.length}`, { location: { row: bad + 1 }, hint: 'ads are catalogue rows' });
    }
    return {
      users: RowStore.pack(rows.user.categorical, rows.user.numerical, {}),
      positives: RowStore.pack(rows.positive.categorical, rows.positive.numerical, {}),
      negatives: RowStore.pack(rows.negative.categorical, rows.negative.numerical, {}),
      positiveAd: rows.positive.ad,
      negativeAd: rows.negative.ad,
    };
  }

  get trainRows(): number {
    return this.train.positiveAd.length;
  }

  get validRows(): number {
    return this.valid?.positiveAd.length ?? 0;
  }

  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, _rng: Rng): void {
    this.fill(step, this.train, order, start, batch);
  }

  async validate(step: TrainStep, batchSize: number): Promise<ValidationScores> {
    const valid = this.valid;
    if (valid === null) return { loss: NaN };
    let sum = 0;
    for (let start = 0; start < valid.positiveAd.length; start += batchSize) {
      const batch = Math.min(batchSize, valid.positiveAd.length - start);
      this.fill(step, valid, null, start, batch);
      sum += (await step.evaluate(batch)) * batch;
    }
    return { loss: sum / valid.positiveAd.length };
  }

  /** Users → bag 0; ads → bag 1: the batch's positives in rows [0, B), then each click's K negatives. */
  private fill(step: TrainStep, rows: Packed, order: Int32Array | null, start: number, batch: number): void {
    const K = this.numNegatives;
    rows.users.fill(step, order, start, batch, { bag: 0, numerical: 'user_numerical' });
    rows.positives.fill(step, order, start, batch, { bag: 1, numerical: 'ad_numerical' });
    if (this.negativeOrder.length < batch * K) this.negativeOrder = new Int32Array(batch * K);
    const negatives = this.negativeOrder;
    const logQ = step.buffer('column_logq');
    const positiveKey = step.buffer('positive_key');
    const columnKey = step.buffer('column_key');
    for (let b = 0; b < batch; b++) {
      const click = order === null ? start + b : order[start + b];
      const ad = rows.positiveAd[click];
      positiveKey[b] = ad;
      columnKey[b] = ad;
      logQ[b] = this.logQ[ad];
      for (let s = 0; s < K; s++) {
        const row = click * K + s;
        negatives[b * K + s] = row;
        const negative = rows.negativeAd[row];
        columnKey[batch + b * K + s] = negative;
        logQ[batch + b * K + s] = this.logQ[negative];
      }
    }
    rows.negatives.fill(step, negatives, 0, batch * K, { bag: 1, numerical: 'ad_numerical', at: batch });
  }
}
