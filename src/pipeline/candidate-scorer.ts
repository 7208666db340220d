// One ranking model of a run, ready to score candidates of a request: the split DLRM with every ad's part
// precomputed, the FeatureMap encoders of its fields, and its calibration. Built once per run at start-up; a
// request touches typed arrays only.
// Legend: A ads, C candidates, Fr request fields, Mr request numericals, Mc cross numericals.
import type { FeatureEncoder } from '../features/encoder.js';
import { sideOf, standardizerOf, type FeatureMap } from '../features/feature-map.js';
import type { LoadedModel } from './load-run.js';
import type { FeatureSide } from '../features/feature-set.js';
import { adRow, crossValue, type AdCatalog, type RequestContext, type UserProfile, userProfileVector, userRow } from './tower-inputs.js';
import { applyCalibrator, type Calibrator } from '../train/calibration.js';
import { SplitDlrm } from './split-dlrm.js';

export interface CandidateScores {
  logits: Float32Array; // (C)
  probs: Float32Array; // (C) calibrated
}

export class CandidateScorer {
  private constructor(
    private readonly split: SplitDlrm,
    private readonly encoder: FeatureEncoder,
    private readonly model: LoadedModel,
    private readonly calibrator: Calibrator,
    /** per cross numerical: its column and standardiser */
    private readonly cross: { column: string; encode: (x: number) => number }[],
    /** category code of every catalogue ad, and its advertiser */
    private readonly adCategory: Int32Array,
    private readonly adAdvertiser: Float64Array,
  ) {}

  /** Splits `model` (a DLRM, or ESMM's CVR head when `prefix` is 'cvr.') and precomputes every catalogue ad. */
  static async build(model: LoadedModel, prefix: string, map: FeatureMap, encoder: FeatureEncoder, catalog: AdCatalog, categories: readonly string[], calibrator: Calibrator, threads: number): Promise<CandidateScorer> {
    const fieldSides = model.categorical.map((name) => sideOf(map, name));
    const fieldRows = model.categorical.map((name) => {
      const id = map.ids.find((i) => i.name === name);
      return id ? id.spec.oovIndex + 1 : map.vocabularies.find((v) => v.name === name)!.values.length + 1;
    });
    // the category profile (2C, user-side) follows the named numericals when the model reads one
    const profileWidth = model.profileCategories ? 2 * model.profileCategories.length : 0;
    const numericalSides = [...model.numerical.map((name) => standardizerOf(map, name).side), ...new Array<FeatureSide>(profileWidth).fill('user')];
    const split = SplitDlrm.fromModel(model.bytes, prefix, { fieldSides, fieldRows, numericalSides });
    const A = catalog.adId.length;
    const adFieldNames = split.adFields.map((f) => model.categorical[f]);
    const adNumNames = split.adNumericals.map((m) => model.numerical[m]);
    const adIds = new Int32Array(A * adFieldNames.length);
    const adNumerical = new Float32Array(A * adNumNames.length);
    const numEncoders = adNumNames.map((name) => ({ column: standardizerOf(map, name).column, encode: encoder.numericalEncoder(name) }));
    for (let a = 0; a < A; a++) {
      const row = adRow(catalog, a);
      adFieldNames.forEach((name, slot) => (adIds[a * adFieldNames.length + slot] = encoder.field(name, row)));
      numEncoders.forEach(({ column, encode }, slot) => (adNumerical[a * adNumNames.length + slot] = encode(Number(row[column]))));
    }
    await split.compile(await split.precomputeAds(adIds, adNumerical), threads);
    const cross = split.crossNumericals.map((m) => ({ column: standardizerOf(map, model.numerical[m]).column, encode: encoder.numericalEncoder(model.numerical[m]) }));
    const code = new Map(categories.map((c, i) => [c, i]));
    return new CandidateScorer(split, encoder, model, calibrator, cross, Int32Array.from(catalog.category, (c) => code.get(c) ?? -1), catalog.advertiserId);
  }

  /** The request part of the model for a user in a context; `categoryMean` for the category profile. */
  request(user: UserProfile, context: RequestContext, categoryMean: Float64Array): { r: Float32Array; projections: Float32Array } {
    const row = userRow(user, context);
    const ids = this.split.requestFields.map((f) => this.encoder.field(this.model.categorical[f], row));
    const named = this.model.numerical.length;
    const profile = this.model.profileCategories ? userProfileVector(user, categoryMean) : null;
    const numerical = this.split.requestNumericals.map((m) => {
      if (m >= named) return profile![m - named];
      const name = this.model.numerical[m];
      return this.encoder.numerical(name, Number(row[standardizerOf(this.encoder.map, name).column]));
    });
    return this.split.request(ids, numerical);
  }

  /** The user × ad cross numericals of each candidate (C, Mc), standardised. */
  crossFeatures(user: UserProfile, candidates: Int32Array, out = new Float32Array(candidates.length * this.cross.length)): Float32Array {
    const Mc = this.cross.length;
    for (let i = 0; i < candidates.length; i++) {
      const a = candidates[i];
      const c = this.adCategory[a];
      for (let m = 0; m < Mc; m++) {
        const { column, encode } = this.cross[m];
        out[i * Mc + m] = encode(crossValue(column, user, c, this.adAdvertiser[a]));
      }
    }
    return out;
  }

  async score(request: { r: Float32Array; projections: Float32Array }, candidates: Int32Array, cross: Float32Array): Promise<CandidateScores> {
    const logits = await this.split.score(request, BigInt64Array.from(candidates, (c) => BigInt(c)), cross);
    const probs = new Float32Array(logits.length);
    for (let i = 0; i < logits.length; i++) probs[i] = applyCalibrator(this.calibrator, logits[i]);
    return { logits, probs };
  }

  async release(): Promise<void> {
    await this.split.release();
  }
}
