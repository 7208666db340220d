// Exact inner-product top-k: every vector is scored by the blocked scan and a size-k heap keeps the best.
// The ground truth the approximate indexes are measured against, and the default for small catalogues.
//
// Legend: N rows, D dim, K top-k.
import type { AdIndex } from './ad-index.js';
import { saveArtifact, writeArrays, type OpenedArtifact } from './artifact.js';
import { scanRows } from './scan.js';
import { TopKHeap, type TopK } from './top-k.js';
import { checkK, checkQuery } from './validate.js';

const VECTORS = 'vectors.f32';

export class ExactIndex implements AdIndex {
  readonly kind = 'exact';
  readonly size: number;
  private readonly heap = new TopKHeap();

  /** `vectors` (N, D) are kept by reference, not copied; they must not change while the index is used. */
  constructor(
    private readonly vectors: Float32Array,
    readonly dim: number,
  ) {
    this.size = vectors.length / dim;
  }

  search(query: Float32Array, k: number): TopK {
    checkQuery(query, this.dim);
    this.heap.reset(Math.min(checkK(k), this.size));
    scanRows(this.vectors, this.dim, query, 0, this.size, null, this.heap);
    return this.heap.finish();
  }

  async save(dir: string): Promise<void> {
    const header = { kind: 'exact' as const, size: this.size, dim: this.dim, params: {} };
    await saveArtifact(dir, header, (tmp) => writeArrays(tmp, { [VECTORS]: this.vectors }));
  }

  close(): void {}

  static async open(artifact: OpenedArtifact): Promise<ExactIndex> {
    const { size, dim } = artifact.manifest;
    return new ExactIndex(await artifact.float32(VECTORS, size * dim), dim);
  }
}
