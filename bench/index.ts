// Ad index: build time, peak memory, query latency (one query per call), throughput, recall@k against the exact
// scan, and bytes on disk, for every index kind at 100k and 1M ads (D = 64, k = 1000) on generated ad vectors.
// Each (kind, N) runs in its own process so its peak RSS is its own; the exact run writes the ground truth.
// Run: npm run bench:index [-- N,N,... [kind,kind,...]]   (default 100000,1000000 and exact,ivf,hnsw; the exact
//      run writes the ground truth the others read, so it is always included)
//      npm run bench:index -- crossover         (exact vs IVF latency at small N, for the `auto` threshold)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIndex, loadIndex, type AdIndex, type IndexConfig } from '../src/index/ad-index.js';
import { ExactIndex } from '../src/index/exact.js';
import { HnswIndex } from '../src/index/hnsw.js';
import { IvfIndex } from '../src/index/ivf.js';
import { makeVectorWorld, type VectorWorld } from '../src/index/testing/ad-vectors.js';
import { peakRssMb, percentile, report, round } from './measure.js';

const DIM = 64;
const K = 1000;
const QUERIES = 200;
const WARMUP = 20;

function world(n: number): VectorWorld {
  const clusters = Math.min(200, Math.max(20, Math.round(Math.sqrt(n) / 5)));
  return makeVectorWorld({ ads: n, queries: QUERIES + WARMUP, dim: DIM, clusters, seed: 2024 });
}

const query = (w: VectorWorld, q: number) => w.queries.subarray((WARMUP + q) * DIM, (WARMUP + q + 1) * DIM);
const load = () => round(loadavg()[0], 2);

interface Measured {
  p50Ms: number;
  p99Ms: number;
  qps: number;
  recall: number;
  minRecall: number;
}

/** Latency of one query per call over QUERIES queries after WARMUP, and recall against `truth` (Q, K). */
function measure(index: AdIndex, w: VectorWorld, truth: Int32Array | null, k = K): Measured {
  for (let q = 0; q < WARMUP; q++) index.search(w.queries.subarray(q * DIM, (q + 1) * DIM), k);
  const times = new Float64Array(QUERIES);
  let recall = 0;
  let minRecall = 1;
  for (let q = 0; q < QUERIES; q++) {
    const started = performance.now();
    const top = index.search(query(w, q), k);
    times[q] = performance.now() - started;
    if (truth === null) continue;
    const want = new Set(truth.subarray(q * k, (q + 1) * k));
    let hit = 0;
    for (let i = 0; i < top.count; i++) if (want.has(top.rows[i])) hit++;
    recall += hit / k / QUERIES;
    minRecall = Math.min(minRecall, hit / k);
  }
  const total = times.reduce((a, b) => a + b, 0);
  return { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), qps: round((1000 * QUERIES) / total, 1), recall: round(recall, 4), minRecall: round(minRecall, 3) };
}

function groundTruth(index: AdIndex, w: VectorWorld): Int32Array {
  const truth = new Int32Array(QUERIES * K);
  for (let q = 0; q < QUERIES; q++) truth.set(index.search(query(w, q), K).rows, q * K);
  return truth;
}

async function bytesOnDisk(index: AdIndex): Promise<{ bytes: number; loadSeconds: number; loaded: AdIndex }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'adrank-bench-index-')), 'index');
  await index.save(dir);
  const bytes = readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  const started = performance.now();
  const loaded = await loadIndex(dir);
  const loadSeconds = round((performance.now() - started) / 1000, 2);
  rmSync(dir, { recursive: true, force: true }); // the HNSW graph stays mapped: unlinked files live on
  return { bytes, loadSeconds, loaded };
}

const CONFIGS: Record<string, IndexConfig> = { exact: { kind: 'exact' }, ivf: { kind: 'ivf' }, hnsw: { kind: 'hnsw' } };

/** One (kind, N) in this process: build, measure, save, load, and a sweep of the search-time parameter. */
async function runOne(kind: string, n: number, truthPath: string): Promise<void> {
  const w = world(n);
  const started = performance.now();
  const index = await buildIndex(w.ads, DIM, CONFIGS[kind]);
  const buildSeconds = round((performance.now() - started) / 1000, 1);
  let truth: Int32Array | null = null;
  if (kind === 'exact') writeFileSync(truthPath, groundTruth(index, w));
  else truth = new Int32Array(readFileSync(truthPath).buffer.slice(0));
  const m = kind === 'exact' ? { ...measure(index, w, null), recall: 1, minRecall: 1 } : measure(index, w, truth);
  const peak = peakRssMb();
  const disk = await bytesOnDisk(index);
  const again = measure(disk.loaded, w, truth);
  const params = index instanceof IvfIndex || index instanceof HnswIndex ? index.params : {};
  const fallbacks = index instanceof HnswIndex ? { exactFallbacks: index.exactFallbacks } : {};
  report({ bench: 'index', kind, n, dim: DIM, k: K, queries: QUERIES, buildSeconds, peakRssMb: peak, ...m, bytesOnDisk: disk.bytes, loadSeconds: disk.loadSeconds, loadedRecall: kind === 'exact' ? 1 : again.recall, params, ...fallbacks, loadAvg: load() });
  if (index instanceof IvfIndex) {
    for (const c of [6, 12, 18, 24, 36, 48]) report({ bench: 'index-sweep', kind, n, candidates: Math.ceil(c * Math.sqrt(n)), ...measure(index.withCandidates(Math.ceil(c * Math.sqrt(n))), w, truth), loadAvg: load() });
  }
  if (index instanceof HnswIndex) {
    for (const ef of [1000, 2000, 4000, 8000]) {
      const tuned = index.withExpansionSearch(ef);
      report({ bench: 'index-sweep', kind, n, expansionSearch: ef, ...measure(tuned, w, truth), exactFallbacks: tuned.exactFallbacks, loadAvg: load() });
    }
  }
}

/** Exact vs IVF (default parameters) latency at small N, k = 1000: where `auto` should switch. */
async function crossover(): Promise<void> {
  for (const n of [5_000, 10_000, 20_000, 50_000, 100_000]) {
    const w = world(n);
    const exact = new ExactIndex(w.ads, DIM);
    const truth = groundTruth(exact, w);
    const e = measure(exact, w, truth);
    const ivf = await buildIndex(w.ads, DIM, { kind: 'ivf' });
    const i = measure(ivf, w, truth);
    report({ bench: 'index-crossover', n, k: K, exactP50Ms: e.p50Ms, exactP99Ms: e.p99Ms, ivfP50Ms: i.p50Ms, ivfP99Ms: i.p99Ms, ivfRecall: i.recall, loadAvg: load() });
  }
}

const [mode, kindArg, nArg, truthArg] = process.argv.slice(2);
if (mode === 'child') {
  await runOne(kindArg, Number(nArg), truthArg);
} else if (mode === 'crossover') {
  await crossover();
} else {
  const sizes = (mode ?? '100000,1000000').split(',').map(Number);
  const kinds = ['exact', ...(kindArg ?? 'ivf,hnsw').split(',').filter((k) => k !== 'exact' && k in CONFIGS)];
  const scratch = mkdtempSync(join(tmpdir(), 'adrank-bench-truth-'));
  try {
    for (const n of sizes) {
      for (const kind of kinds) {
        const args = ['--max-old-space-size=8192', fileURLToPath(import.meta.url), 'child', kind, String(n), join(scratch, `truth-${n}.i32`)];
        const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
        if (child.status !== 0) process.exit(child.status ?? 1);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
