// IVF specifics beyond the contract suite: with a budget of every vector it is the exact scan, a larger budget
// never lowers recall, and a directory whose lists are inconsistent is refused even when its checksums match.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdrankError } from '../core/errors.js';
import { loadIndex } from './ad-index.js';
import { MANIFEST } from './artifact.js';
import { IvfIndex, ivfParams } from './ivf.js';
import { recallAt, referenceTopK } from './reference.js';
import { makeVectorWorld } from './testing/ad-vectors.js';

const root = mkdtempSync(join(tmpdir(), 'adrank-ivf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dim = 32;
const world = makeVectorWorld({ ads: 8000, queries: 10, dim, clusters: 30, seed: 21 });
const index = IvfIndex.build(world.ads, dim, ivfParams({ kind: 'ivf' }, 8000));
const query = (q: number) => world.queries.subarray(q * dim, (q + 1) * dim);

describe('IvfIndex', () => {
  it('equals the exact reference when its budget covers every vector', () => {
    const everything = index.withCandidates(8000);
    for (let q = 0; q < 5; q++) {
      const got = everything.search(query(q), 300);
      const want = referenceTopK(world.ads, dim, query(q), 300);
      expect(Array.from(got.rows)).toEqual(Array.from(want.rows));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });

  it('does not lose recall as the budget grows', () => {
    let previous = 0;
    for (const candidates of [200, 800, 2000, 8000]) {
      const tuned = index.withCandidates(candidates);
      let recall = 0;
      for (let q = 0; q < 10; q++) recall += recallAt(tuned.search(query(q), 100), referenceTopK(world.ads, dim, query(q), 100)) / 10;
      expect(recall).toBeGreaterThanOrEqual(previous);
      previous = recall;
    }
    expect(previous).toBeCloseTo(1, 12); // 8000 scanned: every vector
  });

  it('refuses lists that do not cover each row once, even with matching checksums', async () => {
    const dir = join(root, 'tampered');
    await index.save(dir);
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { files: Record<string, { sha256: string }> };
    const rowIds = new Int32Array(readFileSync(join(dir, 'row-ids.i32')).buffer.slice(0));
    rowIds[1] = rowIds[0]; // one row twice, another never
    const bytes = new Uint8Array(rowIds.buffer);
    writeFileSync(join(dir, 'row-ids.i32'), bytes);
    manifest.files['row-ids.i32'].sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest));
    const caught = await loadIndex(dir).then(() => undefined, (e: unknown) => e);
    expect(caught).toBeInstanceOf(AdrankError);
    expect((caught as AdrankError).code).toBe('BAD_ARTIFACT');
    expect((caught as AdrankError).message).toMatch(/permutation/);
  });
});
