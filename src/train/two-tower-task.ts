// Training task for the two-tower model on clicked impressions: the clicked ad is the positive, K ads drawn
// uniformly from the catalogue without replacement (never the positive) are the negatives, as in the seed.
// Validation draws its negatives from a fixed stream, so every epoch is scored on the same candidates.
// Legend: N clicks, A ads in the catalogue, K negatives, C = 1+K, Fu/Fa user/ad fields.
import { AdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { TwoTowerModel } from '../models/two-tower.js';
import { checkIdColumns, rowMajorIds, RowStore } from './columns.js';
import { twoTowerTrainGraph } from './two-tower-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask, ValidationScores } from './trainer.js';

export interface TowerColumns {
  /** one id column per field of the tower, in its config order */
  categorical: readonly Int32Array[];
  /** (rows, numerical) row-major */
  numerical: Float32Array;
}

export interface ClickColumns {
  /** the user side of each click (N rows) */
  user: TowerColumns;
  /** index into the catalogue of the clicked ad (N) */
  positiveAd: Int32Array;
}

interface Rows {
  /** the user side of each click, packed */
  users: RowStore;
  positiveAd: Int32Array;
}

export class TwoTowerTask implements TrainingTask {
  readonly graph: TrainGraph;
  private readonly adIds: Int32Array; // (A,Fa)
  private readonly train: Rows;
  private readonly valid: Rows | null;

  constructor(
    readonly model: TwoTowerModel,
    readonly catalog: TowerColumns,
    train: ClickColumns,
    valid?: ClickColumns,
    readonly numNegatives = 4,
  ) {
    const ads = catalog.categorical[0].length;
    if (ads <= numNegatives) {
      throw new AdrankError('BAD_ARGUMENT', `a catalogue of ${ads} ads cannot give ${numNegatives} negatives per click`, { hint: 'use fewer negatives' });
    }
    checkIdColumns(catalog.categorical, model.config.ad.fields, ads, 'ad catalogue');
    checkIdColumns(train.user.categorical, model.config.user.fields, train.positiveAd.length, 'training clicks');
    if (valid) checkIdColumns(valid.user.categorical, model.config.user.fields, valid.positiveAd.length, 'validation clicks');
    for (const positives of [train.positiveAd, valid?.positiveAd ?? new Int32Array(0)]) {
      const bad = positives.findIndex((ad) => !(ad >= 0 && ad < ads));
      if (bad >= 0) {
        throw new AdrankError('OUT_OF_RANGE', `clicked ad ${positives[bad]} is not in the catalogue of ${ads} ads`, {
          location: { column: 'positiveAd', row: bad + 1 },
          hint: 'positiveAd holds catalogue row indices',
        });
      }
    }
    this.graph = twoTowerTrainGraph(model, numNegatives);
    this.adIds = rowMajorIds(catalog.categorical);
    const pack = (clicks: ClickColumns): Rows => ({ users: RowStore.pack(clicks.user.categorical, clicks.user.numerical, {}), positiveAd: clicks.positiveAd });
    this.train = pack(train);
    this.valid = valid === undefined ? null : pack(valid);
  }

  get trainRows(): number {
    return this.train.positiveAd.length;
  }

  get validRows(): number {
    return this.valid?.positiveAd.length ?? 0;
  }

  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, rng: Rng): void {
    this.fill(step, this.train, order, start, batch, rng);
  }

  async validate(step: TrainStep, batchSize: number): Promise<ValidationScores> {
    const valid = this.valid;
    if (valid === null) return { loss: NaN };
    let sum = 0;
    for (let start = 0; start < this.validRows; start += batchSize) {
      const batch = Math.min(batchSize, this.validRows - start);
      this.fill(step, valid, null, start, batch, new Rng(start).fork('validation negatives'));
      sum += (await step.evaluate(batch)) * batch;
    }
    return { loss: sum / this.validRows };
  }

  /** Users of the clicks into bag 0, then per click the positive and K negative ads into bag 1 (B·C rows). */
  private fill(step: TrainStep, rows: Rows, order: Int32Array | null, start: number, batch: number, rng: Rng): void {
    rows.users.fill(step, order, start, batch, { bag: 0, numerical: 'user_numerical' });
    const adBag = step.bags[1];
    const fa = adBag.tables.length;
    const per = 1 + this.numNegatives;
    const ads = this.catalog.categorical[0].length;
    const adNum = step.buffer('ad_numerical');
    const na = this.model.config.ad.numNumerical;
    const chosen = new Int32Array(per);
    for (let b = 0; b < batch; b++) {
      chosen[0] = rows.positiveAd[order === null ? start + b : order[start + b]];
      for (let k = 1; k < per; k++) {
        let ad: number;
        do ad = rng.int(ads);
        while (chosen.subarray(0, k).includes(ad));
        chosen[k] = ad;
      }
      for (let c = 0; c < per; c++) {
        const slot = b * per + c;
        for (let f = 0; f < fa; f++) adBag.ids[slot * fa + f] = adBag.offsets[f] + this.adIds[chosen[c] * fa + f];
        for (let m = 0; m < na; m++) adNum[slot * na + m] = this.catalog.numerical[chosen[c] * na + m];
      }
    }
  }
}
