// The value of showing an ad, from a world's truth: expected revenue bid × P(click) × P(convert | click) at the
// day's bid (the advertiser pays its bid for a conversion), and the oracle — the best live ad for the request.
// Legend: A live ads.
import type { ContextIndex, World } from '../../data/generate/world.js';

/** Expected revenue of ad index `a` shown to user index `u` in `ctx`. */
export function expectedRevenue(world: World, u: number, a: number, ctx: ContextIndex): number {
  return world.adBid[a] * world.pClick(u, a, ctx) * world.pConvertGivenClick(u, a, ctx);
}

/** The highest expected revenue among the world's live ads: what a policy that knew the truth would earn. */
export function oracleRevenue(world: World, u: number, ctx: ContextIndex): number {
  const ads = world.activeAds;
  let best = 0;
  const n = ads ? ads.length : world.spec.ads;
  for (let i = 0; i < n; i++) {
    const v = expectedRevenue(world, u, ads ? ads[i] : i, ctx);
    if (v > best) best = v;
  }
  return best;
}
