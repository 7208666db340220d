// Training task for the two-tower model on clicked impressions: the clicked ad is the positive, K ads drawn
// uniformly from the catalogue without replacement (never the positive) are the negatives, as in the seed.
// Validation draws its negatives from a fixed stream, so every epoch is scored on the same candidates.
// Legend: N clicks, A ads in the catalogue, K negatives, C = 1+K, Fu/Fa user/ad fields.
import { AdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { TwoTowerModel } from '../models/two-tower.js';
import { checkIdColumns, rowMajorIds } from './ctr-data.js';
import { twoTowerTrainGraph } from './two-tower-graph.js';
import type { TrainGraph } from './train-graph.js';
import type { TrainStep } from './train-step.js';
import type { TrainingTask } from './trainer.js';

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
  userIds: Int32Array; // (N,Fu)
  clicks: ClickColumns;
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
    this.train = { userIds: rowMajorIds(train.user.categorical), clicks: train };
    this.valid = valid === undefined ? null : { userIds: rowMajorIds(valid.user.categorical), clicks: valid };
  }

  get trainRows(): number {
    return this.train.clicks.positiveAd.length;
  }

  get validRows(): number {
    return this.valid?.clicks.positiveAd.length ?? 0;
  }

  fillTrain(step: TrainStep, order: Int32Array, start: number, batch: number, rng: Rng): void {
    this.fill(step, this.train, order, start, batch, rng);
  }

  async validationLossSum(step: TrainStep, start: number, batch: number): Promise<number> {
    if (this.valid === null) return 0;
    this.fill(step, this.valid, null, start, batch, new Rng(start).fork('validation negatives'));
    return (await step.evaluate(batch)) * batch;
  }

  private fill(step: TrainStep, rows: Rows, order: Int32Array | null, start: number, batch: number, rng: Rng): void {
    const [userBag, adBag] = step.bags;
    const fu = userBag.tables.length;
    const fa = adBag.tables.length;
    const per = 1 + this.numNegatives;
    const ads = this.catalog.categorical[0].length;
    const userNum = step.input('user_numerical');
    const adNum = step.input('ad_numerical');
    const nu = this.model.config.user.numNumerical;
    const na = this.model.config.ad.numNumerical;
    const chosen = new Int32Array(per);
    for (let b = 0; b < batch; b++) {
      const row = order === null ? start + b : order[start + b];
      for (let f = 0; f < fu; f++) userBag.ids[b * fu + f] = userBag.offsets[f] + rows.userIds[row * fu + f];
      for (let m = 0; m < nu; m++) userNum[b * nu + m] = rows.clicks.user.numerical[row * nu + m];
      chosen[0] = rows.clicks.positiveAd[row];
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
