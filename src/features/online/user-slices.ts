// Each user's rows of the user×category and user×advertiser tables, grouped by the user's row in the users
// table. Catalogues come in any order, so a user's slice is found through the user's id, never by position in a
// table sorted by user_id. Both stores read user×ad values through this one grouping.
// Legend: U users, P user×category pairs, Q user×advertiser pairs.
import type { OnlineTables } from './tables.js';

export interface UserSlices {
  /** pairs of user row u are [categoryStart[u], categoryStart[u + 1]) */
  categoryStart: Int32Array; // (U+1)
  categoryCode: Int32Array; // (P)
  categoryCtr: Float64Array; // (P)
  categoryConverted: Uint8Array; // (P)
  categoryImpressions: Float64Array; // (P)
  /** advertisers user row u converted with are [advertiserStart[u], advertiserStart[u + 1]), ascending */
  advertiserStart: Int32Array; // (U+1)
  advertiserId: Float64Array; // (Q)
}

/** Counting sort of `pairUserIds` by user row: start offsets (U+1) and, for each grouped position, the source pair row. */
function groupRows(pairUserIds: Float64Array, userRow: (id: number) => number, userCount: number): { start: Int32Array; source: Int32Array } {
  const rowOf = new Int32Array(pairUserIds.length);
  const start = new Int32Array(userCount + 1);
  for (let i = 0; i < pairUserIds.length; i++) {
    rowOf[i] = userRow(pairUserIds[i]);
    if (rowOf[i] >= 0) start[rowOf[i] + 1]++;
  }
  for (let u = 0; u < userCount; u++) start[u + 1] += start[u];
  const next = start.slice(0, userCount);
  const source = new Int32Array(start[userCount]);
  for (let i = 0; i < pairUserIds.length; i++) if (rowOf[i] >= 0) source[next[rowOf[i]]++] = i;
  return { start, source };
}

/** Groups the pair tables of `t` by user row (`userRow` maps a user id to its row in t.users, -1 if absent). */
export function groupByUser(t: OnlineTables, userRow: (id: number) => number): UserSlices {
  const userCount = t.users.userId.length;
  const uc = t.userCategory;
  const byCategory = groupRows(uc.userId, userRow, userCount);
  const n = byCategory.source.length;
  const categoryCode = new Int32Array(n);
  const categoryCtr = new Float64Array(n);
  const categoryConverted = new Uint8Array(n);
  const categoryImpressions = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const i = byCategory.source[j];
    categoryCode[j] = uc.category[i];
    categoryCtr[j] = uc.ctr[i];
    categoryConverted[j] = uc.converted[i];
    categoryImpressions[j] = uc.impressions[i];
  }
  const byAdvertiser = groupRows(t.userAdvertiser.userId, userRow, userCount);
  const advertiserId = Float64Array.from(byAdvertiser.source, (i) => t.userAdvertiser.advertiserId[i]);
  for (let u = 0; u < userCount; u++) {
    const lo = byAdvertiser.start[u];
    const hi = byAdvertiser.start[u + 1];
    if (hi - lo > 1) advertiserId.subarray(lo, hi).sort();
  }
  return { categoryStart: byCategory.start, categoryCode, categoryCtr, categoryConverted, categoryImpressions, advertiserStart: byAdvertiser.start, advertiserId };
}

/** Whether `value` is in sorted[from, to). */
export function containsSorted(sorted: Float64Array, from: number, to: number, value: number): boolean {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo < to && sorted[lo] === value;
}
