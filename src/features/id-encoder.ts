// Row of an embedding table for a user_id or ad_id. Catalogues that fit under the cap are mapped densely
// (collision-free): ids are kept as sorted runs of consecutive values, so a catalogue of ids 1..N costs
// one run however large N is. Larger catalogues are hashed into `rows` rows (the hashing trick).

export type IdEncoderSpec =
  | { kind: 'dense'; runStarts: number[]; runLengths: number[]; rows: number; oovIndex: number }
  | { kind: 'hashed'; rows: number; salt: number };

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

/** Builds the encoder for a catalogue's ids: dense when there are at most `cap` ids, hashed into `cap` rows otherwise. */
export function fitIdEncoder(ids: Float64Array, cap: number, salt: number): IdEncoderSpec {
  if (ids.length > cap) return { kind: 'hashed', rows: cap, salt };
  const sorted = Float64Array.from(ids).sort();
  const runStarts: number[] = [];
  const runLengths: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    const last = runStarts.length - 1;
    if (last >= 0 && sorted[i] === runStarts[last] + runLengths[last]) runLengths[last]++;
    else {
      runStarts.push(sorted[i]);
      runLengths.push(1);
    }
  }
  const rows = runLengths.reduce((a, b) => a + b, 0);
  return { kind: 'dense', runStarts, runLengths, rows, oovIndex: rows };
}

/** Number of embedding rows the encoder needs (dense encoders add one OOV row). */
export function idCardinality(spec: IdEncoderSpec): number {
  return spec.kind === 'dense' ? spec.rows + 1 : spec.rows;
}

/** A compiled encoder: id → row. Unknown ids go to the OOV row (dense) or to their hash row (hashed). */
export function compileIdEncoder(spec: IdEncoderSpec): (id: number) => number {
  if (spec.kind === 'hashed') {
    const { rows, salt } = spec;
    return (id) => hashId(id, salt) % rows;
  }
  const starts = Float64Array.from(spec.runStarts);
  const offsets = new Float64Array(starts.length);
  for (let r = 1; r < starts.length; r++) offsets[r] = offsets[r - 1] + spec.runLengths[r - 1];
  const lengths = Float64Array.from(spec.runLengths);
  const oov = spec.oovIndex;
  if (starts.length === 1) {
    const start = starts[0];
    const length = lengths[0];
    return (id) => (id >= start && id < start + length && Number.isInteger(id) ? id - start : oov);
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
    return offset >= 0 && offset < lengths[lo] && Number.isInteger(id) ? offsets[lo] + offset : oov;
  };
}
