// One contract suite run against every index kind, with the plain full-sort reference as ground truth:
// small and odd shapes, ties, negative scores, save → load, damaged directories, bad queries, and recall on a
// realistic vector set for the approximate kinds.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdrankError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { buildIndex, loadIndex, searchBatch, type AdIndex, type IndexConfig } from './ad-index.js';
import { MANIFEST } from './artifact.js';
import { HnswIndex } from './hnsw.js';
import { recallAt, referenceTopK } from './reference.js';
import { makeVectorWorld } from './testing/ad-vectors.js';
import type { TopK } from './top-k.js';

const KINDS: { kind: string; config: IndexConfig; approximate: boolean }[] = [
  { kind: 'exact', config: { kind: 'exact' }, approximate: false },
  { kind: 'ivf', config: { kind: 'ivf' }, approximate: true },
  { kind: 'hnsw', config: { kind: 'hnsw' }, approximate: true },
];

const root = mkdtempSync(join(tmpdir(), 'adrank-index-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(root, `index-${dirCount++}`);

function gaussian(rng: Rng, count: number): Float32Array {
  return Float32Array.from({ length: count }, () => rng.normal());
}

function copy(top: TopK): TopK {
  return { rows: top.rows.slice(), scores: top.scores.slice(), count: top.count };
}

/** The index's answer equals the reference: the same rows in the same order, the same float32 scores. */
function expectSameAsReference(index: AdIndex, vectors: Float32Array, dim: number, query: Float32Array, k: number): void {
  const got = copy(index.search(query, k));
  const want = referenceTopK(vectors, dim, query, k);
  expect(got.count).toBe(want.count);
  expect(Array.from(got.rows)).toEqual(Array.from(want.rows));
  expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
}

function expectError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(AdrankError);
  expect((caught as AdrankError).code).toBe(code);
}

async function expectRejection(promise: Promise<unknown>, code: string): Promise<AdrankError> {
  const caught = await promise.then(() => undefined, (e: unknown) => e);
  expect(caught).toBeInstanceOf(AdrankError);
  expect((caught as AdrankError).code).toBe(code);
  return caught as AdrankError;
}

describe.each(KINDS)('$kind index contract', ({ kind, config, approximate }) => {
  it('matches the full sort on small and odd shapes (N < k, N = 1, D = 1)', async () => {
    const rng = new Rng(11);
    for (const [n, dim] of [[1, 1], [1, 8], [2, 1], [5, 3], [17, 1], [64, 7], [257, 16], [1000, 64]]) {
      const vectors = gaussian(rng, n * dim);
      const index = await buildIndex(vectors, dim, config);
      expect(index.kind).toBe(kind);
      expect(index.size).toBe(n);
      expect(index.dim).toBe(dim);
      for (const k of [1, 3, n, n + 5, 1000]) expectSameAsReference(index, vectors, dim, gaussian(rng, dim), k);
      index.close();
    }
  });

  it('orders equal scores by row, and finds the least negative scores', async () => {
    const rng = new Rng(12);
    const dim = 4;
    const distinct = [gaussian(rng, dim), gaussian(rng, dim), gaussian(rng, dim)];
    const n = 300;
    const vectors = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) vectors.set(distinct[rng.int(3)], i * dim);
    const index = await buildIndex(vectors, dim, config);
    for (const k of [1, 50, 150, 400]) expectSameAsReference(index, vectors, dim, gaussian(rng, dim), k);
    // every vector points into the positive orthant, the query away from it: all scores are negative
    const positive = Float32Array.from(gaussian(rng, 200 * 8), (v) => Math.abs(v) + 0.01);
    const away = Float32Array.from(gaussian(rng, 8), (v) => -Math.abs(v) - 0.01);
    const negIndex = await buildIndex(positive, 8, config);
    const top = copy(negIndex.search(away, 20));
    expect(top.scores.every((s) => s < 0)).toBe(true);
    expectSameAsReference(negIndex, positive, 8, away, 20);
  });

  it('answers each search afresh: a second search does not keep the first one\'s results', async () => {
    const rng = new Rng(13);
    const vectors = gaussian(rng, 500 * 8);
    const index = await buildIndex(vectors, 8, config);
    const [a, b] = [gaussian(rng, 8), gaussian(rng, 8)];
    expectSameAsReference(index, vectors, 8, a, 100);
    expectSameAsReference(index, vectors, 8, b, 7);
    const batch = searchBatch(index, Float32Array.from([...a, ...b]), 100);
    expect(Array.from(batch.counts)).toEqual([100, 100]);
    expect(Array.from(batch.rows.subarray(100, 200))).toEqual(Array.from(referenceTopK(vectors, 8, b, 100).rows));
  });

  it('gives the same results after save → load, and refuses a mismatched run', async () => {
    const rng = new Rng(14);
    const dim = 16;
    const vectors = gaussian(rng, 2000 * dim);
    const index = await buildIndex(vectors, dim, config);
    const dir = freshDir();
    await index.save(dir);
    const loaded = await loadIndex(dir, { dim, size: 2000 });
    expect([loaded.kind, loaded.size, loaded.dim]).toEqual([kind, 2000, dim]);
    for (let q = 0; q < 5; q++) {
      const query = gaussian(rng, dim);
      const before = copy(index.search(query, 100));
      expect(copy(loaded.search(query, 100))).toEqual(before);
    }
    await index.save(dir); // saving over an existing index replaces it
    expect((await loadIndex(dir)).size).toBe(2000);
    await expectRejection(loadIndex(dir, { dim: 32 }), 'BAD_ARTIFACT');
    await expectRejection(loadIndex(dir, { size: 1999 }), 'BAD_ARTIFACT');
    loaded.close();
  });

  it('refuses a damaged index directory with BAD_ARTIFACT', async () => {
    const rng = new Rng(15);
    const vectors = gaussian(rng, 300 * 8);
    const dir = freshDir();
    await (await buildIndex(vectors, 8, config)).save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { files: Record<string, unknown> };
    const name = Object.keys(manifest.files)[0];
    const original = readFileSync(join(dir, name));
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1] ^= 0x40;
    writeFileSync(join(dir, name), flipped);
    const error = await expectRejection(loadIndex(dir), 'BAD_ARTIFACT');
    expect(error.location.file).toBe(join(dir, name));
    writeFileSync(join(dir, name), original);
    truncateSync(join(dir, name), original.length - 4);
    await expectRejection(loadIndex(dir), 'BAD_ARTIFACT');
    writeFileSync(join(dir, name), original);
    expect((await loadIndex(dir)).size).toBe(300);
    writeFileSync(join(dir, MANIFEST), '{"format": "adrank-index", "version": 1, "kind": "exact"');
    await expectRejection(loadIndex(dir), 'BAD_ARTIFACT');
    writeFileSync(join(dir, MANIFEST), JSON.stringify({ ...manifest, kind: 'lsh' }));
    await expectRejection(loadIndex(dir), 'BAD_ARTIFACT');
    await expectRejection(loadIndex(join(root, 'no-such-index')), 'FILE_NOT_FOUND');
  });

  it('rejects bad queries with BAD_ARGUMENT and keeps working', async () => {
    const rng = new Rng(16);
    const vectors = gaussian(rng, 200 * 8);
    const index = await buildIndex(vectors, 8, config);
    const ok = gaussian(rng, 8);
    expectError(() => index.search(gaussian(rng, 7), 10), 'BAD_ARGUMENT');
    expectError(() => index.search(new Float32Array(9), 10), 'BAD_ARGUMENT');
    const withNaN = ok.slice();
    withNaN[3] = NaN;
    expectError(() => index.search(withNaN, 10), 'BAD_ARGUMENT');
    withNaN[3] = Infinity;
    expectError(() => index.search(withNaN, 10), 'BAD_ARGUMENT');
    expectError(() => index.search(Array.from(ok) as unknown as Float32Array, 10), 'BAD_ARGUMENT');
    for (const k of [0, -1, 1.5, NaN]) expectError(() => index.search(ok, k), 'BAD_ARGUMENT');
    expectSameAsReference(index, vectors, 8, ok, 10);
  });

  it.runIf(approximate)('reaches recall@1000 ≥ 0.95 on realistic ad vectors with its default parameters', async () => {
    const world = makeVectorWorld({ ads: 30_000, queries: 20, dim: 64, clusters: 60, seed: 3 });
    const index = await buildIndex(world.ads, 64, config);
    let recall = 0;
    for (let q = 0; q < 20; q++) {
      const query = world.queries.subarray(q * 64, (q + 1) * 64);
      recall += recallAt(index.search(query, 1000), referenceTopK(world.ads, 64, query, 1000)) / 20;
    }
    expect(recall).toBeGreaterThanOrEqual(0.95);
    if (index instanceof HnswIndex) expect(index.exactFallbacks).toBe(0); // the graph found them, not the exact scan
    index.close();
  });
});

describe('building an index', () => {
  it('rejects bad vectors and configs with a typed error naming the field', async () => {
    const good = new Float32Array(12);
    await expectRejection(buildIndex(new Float32Array(10), 4, { kind: 'exact' }), 'BAD_ARGUMENT');
    await expectRejection(buildIndex(new Float32Array(0), 4, { kind: 'exact' }), 'BAD_ARGUMENT');
    await expectRejection(buildIndex(good, 0, { kind: 'exact' }), 'BAD_ARGUMENT');
    const nan = good.slice();
    nan[7] = NaN;
    const error = await expectRejection(buildIndex(nan, 4, { kind: 'exact' }), 'BAD_ARGUMENT');
    expect(error.location).toMatchObject({ row: 1, field: 'vectors[1][3]' });
    const typo = await expectRejection(buildIndex(good, 4, { kind: 'ivf', list: 4 } as unknown as IndexConfig), 'BAD_CONFIG');
    expect(typo.location.field).toBe('index.list');
    await expectRejection(buildIndex(good, 4, { kind: 'ivf', lists: 0 }), 'BAD_CONFIG');
    await expectRejection(buildIndex(good, 4, { kind: 'annoy' } as unknown as IndexConfig), 'BAD_CONFIG');
  });

  it('auto picks the exact scan for small catalogues and IVF above the threshold', async () => {
    const rng = new Rng(17);
    const vectors = gaussian(rng, 600 * 4);
    expect((await buildIndex(vectors, 4, { kind: 'auto' })).kind).toBe('exact');
    expect((await buildIndex(vectors, 4, { kind: 'auto', exactBelow: 500 })).kind).toBe('ivf');
  });
});
