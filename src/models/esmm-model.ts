// ESMM (Ma et al. 2018, "Entire Space Multi-Task Model"): a CTR head and a CVR head, both the seed's DLRM-style
// architecture, sharing the embedding tables, trained on all impressions through pCTCVR = pCTR × pCVR. This
// avoids the seed's sample-selection bias of fitting pCVR on clicked rows only.
import type { EmbeddingSpec } from '../engine/embedding/table.js';
import type { ParamSpec } from '../engine/params.js';
import { CtrModel, type CtrModelConfig } from './ctr-model.js';

export class EsmmModel {
  readonly ctr: CtrModel;
  readonly cvr: CtrModel;

  constructor(readonly config: CtrModelConfig) {
    this.ctr = new CtrModel(config, 'ctr.');
    this.cvr = new CtrModel(config, 'cvr.');
  }

  params(): ParamSpec[] {
    return [...this.ctr.params(), ...this.cvr.params()];
  }

  /** The shared tables (named as the single-task model's, `emb.<field>`). */
  embeddings(): EmbeddingSpec[] {
    return this.ctr.embeddings();
  }

  embeddingBags(): EmbeddingSpec[][] {
    return [this.embeddings()];
  }
}
