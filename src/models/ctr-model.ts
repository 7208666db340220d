// The seed's CTR model, DLRM-style (Naumov et al. 2019): an embedding per categorical field (incl. user_id and
// ad_id for memorisation), a shared projection of every embedding, the dot product of every pair, then
// concat(embeddings, numericals, dots) → MLP → logit. The same architecture serves as the CVR model.
// It knows its architecture only: losses, optimizers and data are the trainer's business.
// Legend: B batch, F fields, D embedding dim, N numerical features, K = F(F-1)/2 pairs.
import type { EmbeddingSpec } from '../engine/embedding/table.js';
import { concat } from '../engine/layers/concat.js';
import type { LayerContext } from '../engine/layers/context.js';
import { DotInteraction } from '../engine/layers/dot-interaction.js';
import { Mlp } from '../engine/layers/mlp.js';
import type { ParamSpec } from '../engine/params.js';
import { deepFreeze, fail, readArray, readInt, readNumber, readObject, readString } from '../core/strict-config.js';

export interface FieldSpec {
  name: string;
  cardinality: number;
}

export interface CtrModelConfig {
  /** categorical fields in embedding order (the seed: 10 features, then user_id and ad_id) */
  fields: readonly FieldSpec[];
  embeddingDim: number;
  projectionDim: number;
  numNumerical: number;
  hidden: readonly number[];
  dropout: number;
}

/** The seed's toy world: 10 users, 20 ads, 5 advertisers. */
export const SEED_FIELDS: readonly FieldSpec[] = [
  { name: 'age_group', cardinality: 4 },
  { name: 'gender', cardinality: 2 },
  { name: 'country', cardinality: 5 },
  { name: 'device', cardinality: 3 },
  { name: 'location', cardinality: 3 },
  { name: 'weekday', cardinality: 7 },
  { name: 'month', cardinality: 12 },
  { name: 'category', cardinality: 3 },
  { name: 'advertiser_id', cardinality: 5 },
  { name: 'format', cardinality: 3 },
  { name: 'user_id', cardinality: 10 },
  { name: 'ad_id', cardinality: 20 },
];

export const SEED_CTR_CONFIG: CtrModelConfig = deepFreeze({
  fields: SEED_FIELDS,
  embeddingDim: 16,
  projectionDim: 16,
  numNumerical: 7,
  hidden: [128, 64],
  dropout: 0.2,
});

const KEYS = ['fields', 'embeddingDim', 'projectionDim', 'numNumerical', 'hidden', 'dropout'] as const;

/** Validate an untrusted config (e.g. parsed JSON); unknown keys fail with their path. */
export function parseCtrConfig(value: unknown, path = 'ctr'): CtrModelConfig {
  const raw = readObject(value, path, KEYS);
  for (const key of KEYS) if (!(key in raw)) fail(`${path}.${key}`, 'missing', `required keys: ${KEYS.join(', ')}`);
  const fields = readArray(raw.fields, `${path}.fields`, parseField, 2);
  const names = new Set(fields.map((f) => f.name));
  if (names.size !== fields.length) fail(`${path}.fields`, 'field names repeat', 'give each field one entry');
  return deepFreeze({
    fields,
    embeddingDim: readInt(raw.embeddingDim, `${path}.embeddingDim`, 1),
    projectionDim: readInt(raw.projectionDim, `${path}.projectionDim`, 1),
    numNumerical: readInt(raw.numNumerical, `${path}.numNumerical`, 0),
    hidden: readArray(raw.hidden, `${path}.hidden`, (v, p) => readInt(v, p, 1)),
    dropout: readNumber(raw.dropout, `${path}.dropout`, 0, 1),
  });
}

function parseField(value: unknown, path: string): FieldSpec {
  const raw = readObject(value, path, ['name', 'cardinality']);
  return { name: readString(raw.name, `${path}.name`), cardinality: readInt(raw.cardinality, `${path}.cardinality`, 1) };
}

export interface CtrApplied {
  /** logit (B) */
  logit: string;
  /** dLogit (B) → d emb as gathered rows (B·F,D) */
  backward(dLogit: string): string;
}

export class CtrModel {
  readonly interaction: DotInteraction;
  readonly mlp: Mlp;

  /** `prefix` namespaces the dense parameters when several heads share a graph (ESMM). */
  constructor(
    readonly config: CtrModelConfig,
    readonly prefix = '',
  ) {
    const f = config.fields.length;
    this.interaction = new DotInteraction({
      projectionName: `${prefix}projection`,
      numFields: f,
      dim: config.embeddingDim,
      projDim: config.projectionDim,
    });
    const inDim = f * config.embeddingDim + config.numNumerical + this.interaction.numPairs;
    this.mlp = new Mlp(`${prefix}mlp`, { inDim, hidden: config.hidden, outDim: 1, dropout: config.dropout });
  }

  get numFields(): number {
    return this.config.fields.length;
  }

  /** Dense parameters in a fixed order (PyTorch state-dict names). */
  params(): ParamSpec[] {
    return [...this.interaction.params(), ...this.mlp.params()];
  }

  /** One table per field, named `emb.<field>` as in the seed. */
  embeddings(): EmbeddingSpec[] {
    return this.config.fields.map((field) => ({ name: `emb.${field.name}`, rows: field.cardinality, dim: this.config.embeddingDim }));
  }

  /** All tables form one bag: a sample gathers one row of each. */
  embeddingBags(): EmbeddingSpec[][] {
    return [this.embeddings()];
  }

  /** emb (B,F·D), numerical (B,N) → logit (B). */
  forward(ctx: LayerContext, emb: string, numerical: string): CtrApplied {
    const { g } = ctx;
    const { embeddingDim, numNumerical } = this.config;
    const dots = this.interaction.forward(ctx, emb); // (B,K)
    const widths = [this.numFields * embeddingDim, numNumerical, this.interaction.numPairs];
    const joined = concat(ctx, [emb, numerical, dots.y], widths); // (B,F·D+N+K)
    const out = this.mlp.forward(ctx, joined.y); // (B,1)
    const logit = g.op('Reshape', [out.y, g.ints([-1])]); // (B)
    return {
      logit,
      backward: (dLogit) => {
        const dJoined = out.backward(g.op('Reshape', [dLogit, g.ints([-1, 1])])); // (B,F·D+N+K)
        const [dEmbDirect, , dDots] = joined.backward(dJoined);
        return dots.backward(dDots, dEmbDirect); // (B·F,D): through the interaction, plus the direct path
      },
    };
  }
}
