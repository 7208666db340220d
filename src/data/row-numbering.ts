// Translates between a reader's row index (0-based, among the rows it returned) and the file's data row
// (1-based, header excluded), given the rows the reader did not return: malformed records kept away from
// it, rows it rejected, blank lines it skipped.

export class RowNumbering {
  private readonly excluded: Float64Array; // sorted, distinct file rows

  constructor(excludedRows: Iterable<number>) {
    this.excluded = Float64Array.from(new Set(excludedRows)).sort();
  }

  get excludedCount(): number {
    return this.excluded.length;
  }

  /** The file row of the reader's row `index`. */
  rowOf(index: number): number {
    // smallest row r with r − #(excluded ≤ r) = index + 1; such an r is never excluded
    let lo = index + 1;
    let hi = index + 1 + this.excluded.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (mid - this.countAtMost(mid) >= index + 1) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The reader's index of file row `row`, or -1 when the reader did not return it. */
  indexOf(row: number): number {
    const below = this.countAtMost(row - 1);
    if (this.countAtMost(row) > below) return -1;
    return row - 1 - below;
  }

  private countAtMost(row: number): number {
    let lo = 0;
    let hi = this.excluded.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.excluded[mid] <= row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
