// Row of an embedding table for a user_id or ad_id.
//   dense — every id that earned a row is mapped without collisions; ids are kept as sorted runs of consecutive
//     values, so ids 1..N cost one run however large N is. Any other id (unknown, or without enough training
//     events to learn from) maps to the OOV row, which training teaches (see `coldToOov` in the FeatureMap).
//   mixed — when more ids qualify than the table may hold, the most frequent ones stay dense and the rest share
//     hashed buckets (as TorchRec's managed-collision modules do): collisions are confined to the rare tail,
//     instead of the whole catalogue colliding at once when it outgrows the cap.
// Table layout: [0, dense rows) dense ids in ascending id order, then the hash buckets, then the OOV row (last).

export type IdEncoderSpec =
  | { kind: 'dense'; runStarts: number[]; runLengths: number[]; rows: number; oovIndex: number }
  | { kind: 'mixed'; runStarts: number[]; runLengths: number[]; rows: number; hashBuckets: number; salt: number; oovIndex: number };

/** How an encoder was fitted and what it costs: ids with rows of their own and the tail's collisions. */
export interface IdEncoderReport {
  kind: IdEncoderSpec['kind'];
  /** ids that qualified for a row (enough training events, or in the catalogue when fitted on it) */
  qualifiedIds: number;
  denseIds: number;
  hashedIds: number;
  hashBuckets: number;
  /** share of qualified ids that share a row with another id */
  collidingIdShare: number;
  /** share of their training events that belong to such ids */
  collidingEventShare: number;
}

/** 32-bit finaliser of MurmurHash3: good avalanche for integer keys. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a non-negative integer id below 2^53 (both 32-bit halves mixed), salted. */
export function hashId(id: number, salt: number): number {
  const lo = id >>> 0;
  const hi = Math.floor(id / 4294967296) >>> 0;
  return fmix32(fmix32(lo ^ salt) ^ Math.imul(hi ^ 0x9e3779b9, 0x27d4eb2d));
}

/** Sorted distinct ids as runs of consecutive values. */
function runsOf(ids: Float64Array): { runStarts: number[]; runLengths: number[]; rows: number } {
  const sorted = Float64Array.from(ids).sort();
  const runStarts: number[] = [];
  const runLengths: number[] = [];
  let rows = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    rows++;
    const last = runStarts.length - 1;
    if (last >= 0 && sorted[i] === runStarts[last] + runLengths[last]) runLengths[last]++;
    else {
      runStarts.push(sorted[i]);
      runLengths.push(1);
    }
  }
  return { runStarts, runLengths, rows };
}

export interface IdFitOptions {
  /** the largest table, OOV row included */
  maxRows: number;
  /** share of the table given to hash buckets once the ids outgrow it */
  hashShare: number;
  salt: number;
}

/**
 * Builds the encoder from the qualifying ids and their training event counts (counts[i] for ids[i]; all ones
 * when fitted on a catalogue). Dense when they fit in maxRows − 1 rows; otherwise the most frequent (ties by
 * smaller id) keep dense rows and the rest are hashed.
 */
export function fitIdEncoder(ids: Float64Array, counts: Float64Array, options: IdFitOptions): { spec: IdEncoderSpec; report: IdEncoderReport } {
  const { maxRows, salt } = options;
  if (ids.length <= maxRows - 1) {
    const runs = runsOf(ids);
    const spec: IdEncoderSpec = { kind: 'dense', ...runs, oovIndex: runs.rows };
    return { spec, report: { kind: 'dense', qualifiedIds: runs.rows, denseIds: runs.rows, hashedIds: 0, hashBuckets: 0, collidingIdShare: 0, collidingEventShare: 0 } };
  }
  const hashBuckets = Math.max(1, Math.min(maxRows - 2, Math.round(maxRows * options.hashShare)));
  const denseCount = maxRows - 1 - hashBuckets;
  const order = Array.from(ids.keys()).sort((a, b) => counts[b] - counts[a] || ids[a] - ids[b]);
  const dense = Float64Array.from(order.slice(0, denseCount), (i) => ids[i]);
  const runs = runsOf(dense);
  const spec: IdEncoderSpec = { kind: 'mixed', ...runs, hashBuckets, salt, oovIndex: runs.rows + hashBuckets };
  // collisions among the hashed tail
  const tail = order.slice(denseCount);
  const occupancy = new Int32Array(hashBuckets);
  for (const i of tail) occupancy[hashId(ids[i], salt) % hashBuckets]++;
  let collidingIds = 0;
  let collidingEvents = 0;
  let totalEvents = 0;
  for (let i = 0; i < ids.length; i++) totalEvents += counts[i];
  for (const i of tail) {
    if (occupancy[hashId(ids[i], salt) % hashBuckets] > 1) {
      collidingIds++;
      collidingEvents += counts[i];
    }
  }
  return {
    spec,
    report: {
      kind: 'mixed', qualifiedIds: ids.length, denseIds: runs.rows, hashedIds: tail.length, hashBuckets,
      collidingIdShare: collidingIds / ids.length, collidingEventShare: totalEvents > 0 ? collidingEvents / totalEvents : 0,
    },
  };
}

/** Number of embedding rows the encoder needs (OOV row included). */
export function idCardinality(spec: IdEncoderSpec): number {
  return spec.oovIndex + 1;
}

/** id → row among the dense ids (ascending id order), or -1. */
function compileRuns(runStarts: number[], runLengths: number[]): (id: number) => number {
  const starts = Float64Array.from(runStarts);
  const lengths = Float64Array.from(runLengths);
  const offsets = new Float64Array(starts.length);
  for (let r = 1; r < starts.length; r++) offsets[r] = offsets[r - 1] + lengths[r - 1];
  if (starts.length === 0) return () => -1;
  if (starts.length === 1) {
    const start = starts[0];
    const length = lengths[0];
    return (id) => (id >= start && id < start + length && Number.isInteger(id) ? id - start : -1);
  }
  return (id) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    const offset = id - starts[lo];
    return offset >= 0 && offset < lengths[lo] && Number.isInteger(id) ? offsets[lo] + offset : -1;
  };
}

/** A compiled encoder: id → row. Dense: unknown ids → OOV. Mixed: ids without a dense row → their hash bucket. */
export function compileIdEncoder(spec: IdEncoderSpec): (id: number) => number {
  const denseRow = compileRuns(spec.runStarts, spec.runLengths);
  const oov = spec.oovIndex;
  if (spec.kind === 'dense') {
    return (id) => {
      const row = denseRow(id);
      return row < 0 ? oov : row;
    };
  }
  const { rows, hashBuckets, salt } = spec;
  return (id) => {
    const row = denseRow(id);
    if (row >= 0) return row;
    return id >= 0 && Number.isInteger(id) ? rows + (hashId(id, salt) % hashBuckets) : oov;
  };
}
