// The seed's own tables, for small catalogues: each example user's top ads by two-tower score and by pCTR (scored
// as serving scores them: the user as of the end of training, in the context of their first training event), and
// the mean pCTR before and after calibration against the actual CTR of the reporting rows.
import { mean } from '../../eval/metrics.js';
import { calibrateAll } from '../../train/calibration.js';
import { scoreRows } from '../predict.js';
import { candidateRow, encodeTower, readUserProfiles, userCategoryBlock, userRow, type RequestContext, type UserProfile } from '../tower-inputs.js';
import { categoryProfile } from '../../features/click-history.js';
import { withExtraNumericals } from './ranking.js';
import type { TrainedRun } from '../train-run.js';

export interface ExampleUser {
  userId: number;
  context: RequestContext;
  /** how the user vector was computed: as serving does, or the blog's way (its first training row, candidate crosses included) */
  twoTowerInput: 'serving' | 'first training row';
  byTwoTower: { adId: number; category: string; score: number }[];
  byPctr: { adId: number; category: string; pctr: number; rawPctr: number }[];
}

export interface Examples {
  users: ExampleUser[];
  /** over the reporting rows */
  meanRawPctr: number;
  meanCalibratedPctr: number;
  actualCtr: number;
}

export const EXAMPLE_USERS = [1, 4, 7];
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The user's category profile (2C), repeated for `n` rows. */
function repeatedProfile(user: UserProfile, categoryMean: Float64Array, n: number): Float32Array {
  const width = 2 * categoryMean.length;
  const one = new Float32Array(width);
  categoryProfile(user.categoryCtr, user.categoryImpressions, categoryMean, one);
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) out.set(one, i * width);
  return out;
}

export async function seedExamples(run: TrainedRun, top = 5): Promise<Examples> {
  const { data, catalog, retrieval, encoder, config } = run;
  const report = run.splits.report;
  const logits = Float32Array.from(report, (r) => run.heldOutLogits.ctr[r]);
  const summary = {
    meanRawPctr: mean(Float32Array.from(logits, sigmoid)),
    meanCalibratedPctr: mean(calibrateAll(run.calibration.ctr, logits)),
    actualCtr: mean(Float32Array.from(report, (r) => run.test.clicked[r])),
  };
  if (catalog.adId.length > 1000) return { users: [], ...summary };
  const present = EXAMPLE_USERS.filter((u) => run.train.userId.includes(u));
  const { profiles, categoryMean } = await readUserProfiles(data.db, present, retrieval.categories, config.features.ctrPriorStrength);
  const A = catalog.adId.length;
  const dim = retrieval.adVectors.length / A;
  const code = Int32Array.from(catalog.category, (c) => retrieval.categories.indexOf(c));
  const users: ExampleUser[] = [];
  for (const userId of present) {
    const profile = profiles.get(userId)!;
    const [first] = await data.db.rows(`SELECT CAST(device AS VARCHAR) AS d, CAST(location AS VARCHAR) AS l, weekday, month, hour FROM event_log WHERE user_id = ${userId} ORDER BY event_idx LIMIT 1`);
    const context: RequestContext = { device: String(first.d), location: String(first.l), weekday: Number(first.weekday), month: Number(first.month), hour: Number(first.hour) };
    const C = retrieval.categories.length;
    // the seed's two-tower reads crosses of the candidate ad, unknown before retrieval: its table is computed the
    // blog's way, from the user's first training row; adrank's user tower is scored as serving scores it
    const blogWay = config.retrieval.kind === 'sampled';
    const firstRow = run.train.userId.indexOf(userId);
    const tower = blogWay
      ? { categorical: retrieval.user.categorical.map((name) => Int32Array.of(run.train.categorical.get(name)![firstRow])), numerical: Float32Array.from(retrieval.user.numerical, (name) => run.train.numerical.get(name)![firstRow]) }
      : encodeTower(encoder, retrieval.user, [userRow(profile, context)], userCategoryBlock(retrieval.user, profile, categoryMean), C);
    const vector = (await scoreRows(run.models.userTower, tower, ['vector'])).vector;
    const scores = Array.from({ length: A }, (_, a) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += vector[d] * retrieval.adVectors[a * dim + d];
      return s;
    });
    const rows = Array.from({ length: A }, (_, a) => candidateRow(profile, context, catalog, a, code[a]));
    const plain = encoder.encodeRows(rows, config.ctr.features);
    const encoded = config.ctr.categoryProfile ? withExtraNumericals({ ...plain, clicked: new Float32Array(A), converted: new Float32Array(A) }, repeatedProfile(profile, categoryMean, A), 2 * C) : plain;
    const ctrLogits = (await scoreRows(run.models.ctr, encoded, ['logit'])).logit;
    const pctr = calibrateAll(run.calibration.ctr, ctrLogits);
    const order = (values: ArrayLike<number>): number[] => Array.from({ length: A }, (_, a) => a).sort((x, y) => values[y] - values[x]).slice(0, top);
    users.push({
      userId, context, twoTowerInput: blogWay ? 'first training row' : 'serving',
      byTwoTower: order(scores).map((a) => ({ adId: catalog.adId[a], category: catalog.category[a], score: scores[a] })),
      byPctr: order(pctr).map((a) => ({ adId: catalog.adId[a], category: catalog.category[a], pctr: pctr[a], rawPctr: sigmoid(ctrLogits[a]) })),
    });
  }
  return { users, ...summary };
}
