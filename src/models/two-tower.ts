// The seed's two-tower retrieval model (Covington et al. 2016 style): a user tower and an ad tower, each
// embeddings + numericals → MLP → vector; the score of a (user, ad) pair is their dot product.
// It knows its architecture only; the sampled-softmax training lives in train/.
// Legend: B batch, F fields, D embedding dim, N numerical features, O vector dim.
import type { EmbeddingSpec } from '../engine/embedding/table.js';
import { Tower, type TowerShape } from '../engine/layers/tower.js';
import type { ParamSpec } from '../engine/params.js';
import { SEED_FIELDS, type FieldSpec } from './ctr-model.js';
import { deepFreeze, fail, readArray, readInt, readObject, readString } from '../core/strict-config.js';

export interface TowerConfig {
  fields: readonly FieldSpec[];
  embeddingDim: number;
  numNumerical: number;
  hidden: readonly number[];
  outDim: number;
}

export interface TwoTowerConfig {
  user: TowerConfig;
  ad: TowerConfig;
}

export const SEED_TWO_TOWER_CONFIG: TwoTowerConfig = deepFreeze({
  user: {
    fields: SEED_FIELDS.slice(0, 7), // age_group … month
    embeddingDim: 8,
    numNumerical: 5,
    hidden: [64],
    outDim: 64,
  },
  ad: {
    fields: SEED_FIELDS.slice(7, 10), // category, advertiser_id, format
    embeddingDim: 8,
    numNumerical: 2,
    hidden: [64],
    outDim: 64,
  },
});

const TOWER_KEYS = ['fields', 'embeddingDim', 'numNumerical', 'hidden', 'outDim'] as const;

export function parseTwoTowerConfig(value: unknown, path = 'twoTower'): TwoTowerConfig {
  const raw = readObject(value, path, ['user', 'ad']);
  const config = { user: parseTower(raw.user, `${path}.user`), ad: parseTower(raw.ad, `${path}.ad`) };
  if (config.user.outDim !== config.ad.outDim) fail(`${path}.ad.outDim`, 'differs from user.outDim', 'both towers must output vectors of one size');
  return deepFreeze(config);
}

function parseTower(value: unknown, path: string): TowerConfig {
  const raw = readObject(value, path, TOWER_KEYS);
  for (const key of TOWER_KEYS) if (!(key in raw)) fail(`${path}.${key}`, 'missing', `required keys: ${TOWER_KEYS.join(', ')}`);
  return {
    fields: readArray(
      raw.fields,
      `${path}.fields`,
      (v, p) => {
        const field = readObject(v, p, ['name', 'cardinality']);
        return { name: readString(field.name, `${p}.name`), cardinality: readInt(field.cardinality, `${p}.cardinality`, 1) };
      },
      1,
    ),
    embeddingDim: readInt(raw.embeddingDim, `${path}.embeddingDim`, 1),
    numNumerical: readInt(raw.numNumerical, `${path}.numNumerical`, 0),
    hidden: readArray(raw.hidden, `${path}.hidden`, (v, p) => readInt(v, p, 1)),
    outDim: readInt(raw.outDim, `${path}.outDim`, 1),
  };
}

/** One tower with its fields; parameters and tables are prefixed with the tower's name ('user.' / 'ad.'). */
export class TowerModel {
  readonly tower: Tower;
  readonly shape: TowerShape;

  constructor(
    readonly name: 'user' | 'ad',
    readonly config: TowerConfig,
  ) {
    this.shape = {
      numFields: config.fields.length,
      dim: config.embeddingDim,
      numNumerical: config.numNumerical,
      hidden: config.hidden,
      outDim: config.outDim,
    };
    this.tower = new Tower(name, this.shape);
  }

  get fields(): readonly FieldSpec[] {
    return this.config.fields;
  }

  params(): ParamSpec[] {
    return this.tower.params();
  }

  embeddings(): EmbeddingSpec[] {
    return this.config.fields.map((f) => ({ name: `${this.name}.emb.${f.name}`, rows: f.cardinality, dim: this.config.embeddingDim }));
  }
}

export class TwoTowerModel {
  readonly user: TowerModel;
  readonly ad: TowerModel;

  constructor(readonly config: TwoTowerConfig) {
    this.user = new TowerModel('user', config.user);
    this.ad = new TowerModel('ad', config.ad);
  }

  params(): ParamSpec[] {
    return [...this.user.params(), ...this.ad.params()];
  }

  /** Two bags: a user's rows and an ad's rows are gathered separately (the ad bag also for negatives). */
  embeddingBags(): EmbeddingSpec[][] {
    return [this.user.embeddings(), this.ad.embeddings()];
  }
}
