// Partial selection of the K best (score, row) pairs out of a stream: a size-K binary min-heap whose root is
// the worst pair kept, so a candidate costs one comparison unless it enters. Order is by score descending,
// then row ascending, so equal scores come out in a deterministic order.
//
// Legend: K top-k.
import { assert } from '../core/errors.js';

/** The K best rows of a search, sorted by score descending (row ascending among equal scores). */
export interface TopK {
  rows: Int32Array; //   (count) catalogue rows
  scores: Float32Array; // (count) inner products, float32
  count: number;
}

/** True when (scoreA, rowA) ranks below (scoreB, rowB). */
function worse(scoreA: number, rowA: number, scoreB: number, rowB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && rowA > rowB);
}

export class TopKHeap {
  private heapScores: Float32Array; // (K) heap order, root = worst kept
  private heapRows: Int32Array; //     (K)
  private outScores: Float32Array; //  (K) sorted output, reused between searches
  private outRows: Int32Array; //      (K)
  private size = 0;
  private k = 0;
  /** Score a candidate must reach to be considered: -Infinity until K pairs are kept. */
  threshold = -Infinity;

  constructor(capacity = 16) {
    this.heapScores = new Float32Array(capacity);
    this.heapRows = new Int32Array(capacity);
    this.outScores = new Float32Array(capacity);
    this.outRows = new Int32Array(capacity);
  }

  /** Start a new selection of the best k (k ≥ 1); grows the buffers if needed. */
  reset(k: number): void {
    assert(Number.isInteger(k) && k >= 1, 'k must be a positive integer');
    if (k > this.heapScores.length) {
      this.heapScores = new Float32Array(k);
      this.heapRows = new Int32Array(k);
      this.outScores = new Float32Array(k);
      this.outRows = new Int32Array(k);
    }
    this.k = k;
    this.size = 0;
    this.threshold = -Infinity;
  }

  /** Offer a candidate; `score` must already be a float32 value (Math.fround) for exact tie handling. */
  push(score: number, row: number): void {
    const s = this.heapScores;
    const r = this.heapRows;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(score, row, s[parent], r[parent])) break;
        s[i] = s[parent];
        r[i] = r[parent];
        i = parent;
      }
      s[i] = score;
      r[i] = row;
      if (this.size === this.k) this.threshold = s[0];
      return;
    }
    if (!worse(s[0], r[0], score, row)) return;
    this.siftDown(score, row, this.size);
    this.threshold = s[0];
  }

  /** Place (score, row) at the root of a heap of `size` pairs and restore the heap order. */
  private siftDown(score: number, row: number, size: number): void {
    const s = this.heapScores;
    const r = this.heapRows;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && worse(s[right], r[right], s[left], r[left]) ? right : left;
      if (!worse(s[child], r[child], score, row)) break;
      s[i] = s[child];
      r[i] = r[child];
      i = child;
    }
    s[i] = score;
    r[i] = row;
  }

  /** The kept pairs, best first. The arrays are views valid until the next reset() of this heap. */
  finish(): TopK {
    const count = this.size;
    const s = this.heapScores;
    const r = this.heapRows;
    for (let n = count; n > 0; n--) {
      // the root is the worst of the n remaining: it goes last
      this.outScores[n - 1] = s[0];
      this.outRows[n - 1] = r[0];
      this.siftDown(s[n - 1], r[n - 1], n - 1);
    }
    this.size = 0;
    return { rows: this.outRows.subarray(0, count), scores: this.outScores.subarray(0, count), count };
  }
}
