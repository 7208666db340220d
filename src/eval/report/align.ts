// Puts line series with different x grids on one shared x array, as uPlot's aligned data wants, without
// losing repeated x values: an ROC curve's vertical steps are several points at one x. A value that occurs at
// most m times in any one series occupies m consecutive slots of the shared grid; series that share a grid share
// its slots. (uPlot.join collapses repeated x values, which would flatten those steps.)
//
// Shapes: S series, N_s points of series s, A aligned slots (max over series of each value's count, summed).

export interface AlignedGrid {
  /** (A) ascending, repeats kept */
  x: number[];
  /** per series (N_s): the slot of each of its points, strictly increasing */
  slots: Int32Array[];
}

/** Every `xs[s]` must be ascending (ties allowed). */
export function alignGrids(xs: readonly (readonly number[])[]): AlignedGrid {
  let total = 0;
  for (const x of xs) total += x.length;
  const all = new Float64Array(total);
  let offset = 0;
  for (const x of xs) {
    all.set(x, offset);
    offset += x.length;
  }
  all.sort();
  const distinct: number[] = [];
  for (let i = 0; i < total; i++) if (i === 0 || all[i] !== all[i - 1]) distinct.push(all[i]);

  // multiplicity[d]: the most times distinct[d] occurs in one series
  const multiplicity = new Int32Array(distinct.length);
  forEachRun(xs, distinct, (_s, d, start, end) => {
    multiplicity[d] = Math.max(multiplicity[d], end - start);
  });

  const firstSlot = new Int32Array(distinct.length);
  const x: number[] = [];
  for (let d = 0; d < distinct.length; d++) {
    firstSlot[d] = x.length;
    for (let k = 0; k < multiplicity[d]; k++) x.push(distinct[d]);
  }

  const slots = xs.map((series) => new Int32Array(series.length));
  forEachRun(xs, distinct, (s, d, start, end) => {
    for (let i = start; i < end; i++) slots[s][i] = firstSlot[d] + (i - start);
  });
  return { x, slots };
}

/** Calls `visit(series, distinctIndex, start, end)` for every run of equal x values [start, end) of every series. */
function forEachRun(
  xs: readonly (readonly number[])[],
  distinct: readonly number[],
  visit: (series: number, distinctIndex: number, start: number, end: number) => void,
): void {
  xs.forEach((series, s) => {
    let d = 0;
    for (let start = 0; start < series.length; ) {
      let end = start + 1;
      while (end < series.length && series[end] === series[start]) end++;
      while (distinct[d] !== series[start]) d++;
      visit(s, d, start, end);
      start = end;
    }
  });
}
