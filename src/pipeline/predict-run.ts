// Scoring arbitrary event rows with a trained run, as serving would: each row's user from the run's online
// tables (the cold path for a user the run does not know), its context, its ad from the run's catalogue (the OOV
// rows and the fallback aggregates for an ad it does not know), the CTR and CVR models, and their calibration.
// `adrank predict` writes these; `adrank evaluate` scores them; the promotion gate compares two runs with them.
// Legend: N rows.
import { FeatureEncoder, type EncodedFeatures, type FeatureSelection } from '../features/encoder.js';
import { MemoryFeatureStore } from '../features/online/memory-store.js';
import { readOnlineTables, type OnlineTables } from '../features/online/tables.js';
import { calibrateAll } from '../train/calibration.js';
import type { LoadedModel, LoadedRun } from './load-run.js';
import { scoreRows } from './predict.js';
import { StoreUsers } from './store-users.js';
import { withExtraNumericals } from './stages/ranking.js';
import {
  candidateRow, catalogFromOnline, categoryBlockWidth, CROSS_COLUMNS, crossValue, encodeTower, unknownUser, userCategoryBlock, userProfileVector, userRow, type AdCatalog, type RequestContext, type UserProfile,
} from './tower-inputs.js';
import type { RawFeatureRow } from '../features/encoder.js';

export interface EventRow extends RequestContext {
  userId: number;
  adId: number;
}

export interface RunScores {
  ctrLogit: Float32Array; // (N)
  cvrLogit: Float32Array;
  pctr: Float32Array; // calibrated
  pcvr: Float32Array;
  /** per row: the user and the ad are known to the run */
  userKnown: Uint8Array;
  adKnown: Uint8Array;
  /** the user's impressions as of the end of training (0: a new user) */
  userImpressions: Float32Array;
}

/**
 * The raw row of an ad the run's catalogue does not have: no attributes (the OOV rows), no history (the global CTR),
 * the catalogue's median bid, and the crosses of an unknown category and advertiser.
 */
function unknownAdRow(user: UserProfile, context: RequestContext, adId: number, catalog: AdCatalog, medianBid: number): RawFeatureRow {
  return {
    ...userRow(user, context), ad_id: adId, category: '', advertiser_id: -1, format: '', bid: medianBid, ad_impressions: 0, ad_historical_ctr: catalog.globalCtr,
    ...Object.fromEntries(CROSS_COLUMNS.map((column) => [column, crossValue(column, user, -1, -1)])),
  };
}

function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  return sorted.length ? sorted[sorted.length >> 1] : 1;
}

async function modelLogits(model: LoadedModel, output: string, encoder: FeatureEncoder, rows: RawFeatureRow[], profiles: Float32Array | null): Promise<Float32Array> {
  const selection: FeatureSelection = { categorical: model.categorical, numerical: model.numerical };
  const plain = encoder.encodeRows(rows, selection);
  const n = rows.length;
  const encoded: EncodedFeatures = { ...plain, clicked: new Float32Array(n), converted: new Float32Array(n) };
  const withProfile = model.profileCategories && profiles ? withExtraNumericals(encoded, profiles, 2 * model.profileCategories.length) : encoded;
  if (n === 0) return new Float32Array(0);
  return (await scoreRows(model.bytes, withProfile, [output]))[output];
}

/** What scoring needs of a run: a loaded run has it; `adrank train` assembles it before the run is written. */
export type RunParts = Pick<LoadedRun, 'featureMap' | 'models' | 'calibration' | 'retrieval'>;

/** Scores (user, ad, context) rows with a run's models, the users and ads as its online tables hold them. */
export class RunScorer {
  readonly users: StoreUsers;
  readonly catalog: AdCatalog;
  private readonly encoder: FeatureEncoder;
  private readonly adRowOf: Map<number, number>;
  private readonly categoryCode: Int32Array;
  private readonly medianBid: number;
  private readonly profiles = new Map<number, UserProfile>();

  constructor(readonly run: RunParts, tables: OnlineTables) {
    this.catalog = catalogFromOnline(tables);
    this.users = new StoreUsers(new MemoryFeatureStore(tables), tables.meta, run.retrieval.categories);
    this.encoder = new FeatureEncoder(run.featureMap);
    this.adRowOf = new Map(Array.from(this.catalog.adId, (id, a) => [id, a]));
    this.categoryCode = Int32Array.from(this.catalog.category, (c) => run.retrieval.categories.indexOf(c));
    this.medianBid = median(this.catalog.bid);
  }

  static async open(run: LoadedRun): Promise<RunScorer> {
    return new RunScorer(run, await readOnlineTables(run.dir));
  }

  /** The user as serving sees them (the cold path for one the tables do not have). */
  async user(userId: number): Promise<UserProfile> {
    let user = this.profiles.get(userId);
    if (!user) {
      user = (await this.users.user(userId)) ?? unknownUser(userId, this.users.categoryMean, this.users.globalCtr);
      if (this.profiles.size < 100_000) this.profiles.set(userId, user);
    }
    return user;
  }

  async score(events: readonly EventRow[]): Promise<RunScores> {
    const n = events.length;
    const out = { userKnown: new Uint8Array(n), adKnown: new Uint8Array(n), userImpressions: new Float32Array(n) };
    const C = this.run.retrieval.categories.length;
    const profiles = new Float32Array(n * 2 * C);
    const rows: RawFeatureRow[] = [];
    for (let i = 0; i < n; i++) {
      const e = events[i];
      const user = await this.user(e.userId);
      out.userKnown[i] = user.known ? 1 : 0;
      out.userImpressions[i] = user.impressions;
      profiles.set(userProfileVector(user, this.users.categoryMean), i * 2 * C);
      const a = this.adRowOf.get(e.adId);
      out.adKnown[i] = a === undefined ? 0 : 1;
      rows.push(a === undefined ? unknownAdRow(user, e, e.adId, this.catalog, this.medianBid) : candidateRow(user, e, this.catalog, a, this.categoryCode[a]));
    }
    const { models, calibration } = this.run;
    const ctrLogit = await modelLogits(models.ctr, 'logit', this.encoder, rows, profiles);
    const cvrLogit = await modelLogits(models.cvr, models.cvr.kind === 'esmm' ? 'cvr_logit' : 'logit', this.encoder, rows, profiles);
    return { ctrLogit, cvrLogit, pctr: calibrateAll(calibration.ctr, ctrLogit), pcvr: calibrateAll(calibration.cvr, cvrLogit), ...out };
  }

  /** User vectors (R, O) of requests, as the exported user tower computes them. */
  async userVectors(requests: readonly (RequestContext & { userId: number })[]): Promise<Float32Array> {
    const tower = this.run.retrieval.user;
    const C = this.run.retrieval.categories.length;
    const W = categoryBlockWidth(tower, C);
    const users = await Promise.all(requests.map((r) => this.user(r.userId)));
    const block = new Float32Array(requests.length * W);
    users.forEach((u, i) => block.set(userCategoryBlock(tower, u, this.users.categoryMean), i * W));
    if (requests.length === 0) return new Float32Array(0);
    const rows = encodeTower(this.encoder, tower, requests.map((r, i) => userRow(users[i], r)), block, C);
    return (await scoreRows(this.run.models.userTower.bytes, rows, ['vector'])).vector;
  }
}

export async function scoreEvents(run: LoadedRun, events: readonly EventRow[]): Promise<RunScores> {
  return (await RunScorer.open(run)).score(events);
}
