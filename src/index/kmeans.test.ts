// k-means and the two-level assignment against plain references: well-separated blobs are found, and the
// grouped assignment agrees with the nearest centroid by a full scan at almost the same objective.
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { assignToLists, nearestAll, trainKMeans } from './kmeans.js';
import { makeVectorWorld } from './testing/ad-vectors.js';

function squaredDistance(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += (a[ai * dim + j] - b[bi * dim + j]) ** 2;
  return s;
}

describe('k-means', () => {
  it('finds well-separated blobs', () => {
    const rng = new Rng(4);
    const dim = 3;
    const centres = [[10, 0, 0], [0, 10, 0], [0, 0, 10], [-10, -10, -10]];
    const points = new Float32Array(400 * dim);
    for (let i = 0; i < 400; i++) for (let j = 0; j < dim; j++) points[i * dim + j] = centres[i % 4][j] + 0.1 * rng.normal();
    let best = Infinity;
    for (let seed = 0; seed < 3; seed++) {
      // Lloyd from random starts can merge two blobs; the best of three restarts separates them
      const found = trainKMeans(points, dim, 4, 10, new Rng(seed));
      const flat = Float32Array.from(centres.flat());
      let worst = 0;
      for (let c = 0; c < 4; c++) {
        let nearest = Infinity;
        for (let f = 0; f < 4; f++) nearest = Math.min(nearest, squaredDistance(flat, c, found, f, dim));
        worst = Math.max(worst, nearest);
      }
      best = Math.min(best, worst);
    }
    expect(best).toBeLessThan(0.01);
  });

  it('assigns through groups almost always to the nearest centroid, at almost the same k-means objective', () => {
    const dim = 16;
    const world = makeVectorWorld({ ads: 20_000, queries: 1, dim, clusters: 40, seed: 5 });
    const centroids = trainKMeans(world.ads.subarray(0, 5000 * dim), dim, 200, 5, new Rng(6));
    const grouped = assignToLists(world.ads, dim, centroids, new Rng(7));
    const exact = nearestAll(world.ads, dim, centroids);
    let agree = 0;
    let groupedCost = 0;
    let exactCost = 0;
    for (let i = 0; i < exact.length; i++) {
      if (grouped[i] === exact[i]) agree++;
      groupedCost += squaredDistance(world.ads, i, centroids, grouped[i], dim);
      exactCost += squaredDistance(world.ads, i, centroids, exact[i], dim);
    }
    expect(agree / exact.length).toBeGreaterThan(0.97);
    // the sum of squared distances to the assigned centroids is what k-means minimises
    expect(groupedCost / exactCost).toBeLessThan(1.01);
  });
});
