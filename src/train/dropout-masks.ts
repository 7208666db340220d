// Dropout masks drawn from the seeded Rng: each element is 1/keep with probability keep, else 0.
// The step's Rng seeds a local sfc32 stream (the same generator as core/rng, kept in local int32 variables so
// the JIT keeps it in registers: ~15× faster than calling Rng per element here). Two elements per 32-bit
// draw, 16 bits each, so the keep probability is quantised to 1/65536 — far below dropout's own noise.
import type { Rng } from '../core/rng.js';

/** Fill the first `count` elements of `mask`. */
export function fillDropoutMask(mask: Float32Array, count: number, keepProb: number, rng: Rng): void {
  const threshold = Math.round(keepProb * 65536);
  const scale = 1 / keepProb;
  let a = rng.nextUint32() | 0;
  let b = rng.nextUint32() | 0;
  let c = rng.nextUint32() | 0;
  let d = 1;
  for (let i = 0; i < count; i += 2) {
    // sfc32 step (Chris Doty-Humphrey), int32 arithmetic
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    mask[i] = (t & 0xffff) < threshold ? scale : 0;
    if (i + 1 < count) mask[i + 1] = t >>> 16 < threshold ? scale : 0;
  }
}
