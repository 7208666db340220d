// npm run bench:serve — the real HTTP server under autocannon on 127.0.0.1: latency percentiles, throughput, the
// per-stage breakdown (from the server's own /metrics) and peak memory, at concurrency 1, 8 and 32, for worlds of
// 100k and 1M ads; then a reload under load (p99 during the swap, failed requests) and a soak (errors, RSS growth).
// Usage: node dist/bench/serve.js [ads list=100000,1000000] [workers=1] [threads=1] [seconds=15] [soak seconds=60]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Db, sqlString } from '../src/data/duckdb.js';
import { worldSpec } from '../src/data/generate/presets.js';
import { writeWorld } from '../src/data/generate/write-world.js';
import { resolveSources } from '../src/data/sources.js';
import { resolveTrainConfig } from '../src/pipeline/config.js';
import { trainRun } from '../src/pipeline/train-run.js';
import { report, round } from './measure.js';

const BIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const sizes = (process.argv[2] ?? '100000,1000000').split(',').map(Number);
const workers = Number(process.argv[3] ?? 1);
const threads = Number(process.argv[4] ?? 1);
const seconds = Number(process.argv[5] ?? 15);
const soakSeconds = Number(process.argv[6] ?? 60);

async function preparedRun(ads: number): Promise<{ run: string; world: string }> {
  const world = join(tmpdir(), `adrank-bench-serve-${ads}`);
  const run = join(tmpdir(), `adrank-bench-serve-${ads}-run`);
  if (!existsSync(join(world, 'truth', 'world.json'))) {
    process.stderr.write(`generating a world with ${ads} ads …\n`);
    await writeWorld(worldSpec('small', 42, { users: 100_000, ads, advertisers: Math.max(50, ads / 100), events: 500_000, testEvents: 20_000 }), world, 'parquet');
  }
  if (!existsSync(join(run, 'manifest.json'))) {
    process.stderr.write(`training a run on it …\n`);
    await trainRun({ sources: resolveSources(world), out: run, config: await resolveTrainConfig('default'), onBadRow: 'fail', replace: true, screenshot: false, progress: { stage: (s, t) => process.stderr.write(`  [${s}] ${t.toFixed(1)} s\n`), epoch: () => {} } });
  }
  return { run, world };
}

async function requestBodies(world: string, n: number): Promise<string[]> {
  const db = await Db.open();
  const rows = await db.rows(`SELECT user_id, CAST(device AS VARCHAR) AS d, CAST(location AS VARCHAR) AS l, weekday, month, hour FROM read_parquet(${sqlString(join(world, 'test_event_log.parquet'))}) USING SAMPLE ${n} ROWS`);
  db.close();
  return rows.map((r) => JSON.stringify({ user_id: Number(r.user_id), device: r.d, location: r.l, weekday: Number(r.weekday), month: Number(r.month), hour: Number(r.hour) }));
}

interface Server {
  url: string;
  child: ChildProcess;
  started: number;
}

async function startServer(run: string, port: number): Promise<Server> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-old-space-size=8192', BIN, 'serve', '--run', run, '--port', String(port), '--log-level', 'error', '--workers', String(workers), '--threads', String(threads)], {
    env: { ...process.env, ADRANK_ADMIN_TOKEN: 'bench' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the server exited');
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return { url, child, started };
    } catch {
      // starting
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resident memory (now and peak, MB) of the server and its worker processes. */
function memoryMb(pid: number): { rss: number; peak: number } {
  const pids = [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
  let rss = 0;
  let peak = 0;
  for (const p of pids) {
    const status = readFileSync(`/proc/${p}/status`, 'utf8');
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    peak += Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }
  return { rss: Math.round(rss), peak: Math.round(peak) };
}

/** Mean milliseconds per stage since `before`, from the server's stage histograms. */
async function stages(url: string, before?: Map<string, [number, number]>): Promise<{ raw: Map<string, [number, number]>; meanMs: Record<string, number> }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const raw = new Map<string, [number, number]>();
  for (const m of text.matchAll(/^adrank_rank_stage_duration_seconds_(sum|count)\{stage="(\w+)"\} ([\d.e+-]+)$/gm)) {
    const entry = raw.get(m[2]) ?? [0, 0];
    entry[m[1] === 'sum' ? 0 : 1] = Number(m[3]);
    raw.set(m[2], entry);
  }
  const meanMs: Record<string, number> = {};
  for (const [stage, [sum, count]] of raw) {
    const [s0, c0] = before?.get(stage) ?? [0, 0];
    meanMs[stage] = round(((sum - s0) / Math.max(1, count - c0)) * 1000, 3);
  }
  return { raw, meanMs };
}

function load(url: string, bodies: string[], connections: number, duration: number): Promise<autocannon.Result> {
  let i = 0;
  return autocannon({
    url, connections, duration, pipelining: 1,
    requests: [{ method: 'POST', path: '/v1/rank', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
}

const summary = (r: autocannon.Result): Record<string, number> => ({
  requests: r.requests.total, rps: round(r.requests.average, 1), p50Ms: r.latency.p50, p97_5Ms: r.latency.p97_5, p99Ms: r.latency.p99, maxMs: r.latency.max, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts,
});

for (const ads of sizes) {
  const { run, world } = await preparedRun(ads);
  const bodies = await requestBodies(world, 2000);
  const port = 19000 + (ads % 997);
  const server = await startServer(run, port);
  const startSeconds = round((performance.now() - server.started) / 1000, 1);
  const pid = server.child.pid!;
  await load(server.url, bodies, 4, 3); // warm
  for (const c of [1, 8, 32]) {
    const before = (await stages(server.url)).raw;
    const result = await load(server.url, bodies, c, seconds);
    report({ bench: 'serve', ads, workers, threads, concurrency: c, seconds, ...summary(result), stageMeanMs: (await stages(server.url, before)).meanMs, serverMemoryMb: memoryMb(pid), startSeconds, loadAvg: round(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]), 2) });
  }
  // reload under load: p99 of the seconds around a swap against a steady run, and every request counted
  // the load runs longer than the reload (which takes about as long as the start did), so every second of the swap is under load
  const steady = load(server.url, bodies, 8, Math.ceil(startSeconds * 2 + 10));
  await new Promise((r) => setTimeout(r, 3000));
  const reloadStarted = performance.now();
  const reload = await fetch(`${server.url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: '{}' });
  const reloadSeconds = (performance.now() - reloadStarted) / 1000;
  const underReload = await steady;
  report({ bench: 'serve-reload', ads, workers, status: reload.status, reloadSeconds: round(reloadSeconds, 1), loadSeconds: Math.ceil(startSeconds * 2 + 10), ...summary(underReload) });
  // soak: errors and memory growth over a minute at c = 32
  const rssBefore = memoryMb(pid).rss;
  const soak = await load(server.url, bodies, 32, soakSeconds);
  const rssAfter = memoryMb(pid).rss;
  report({ bench: 'serve-soak', ads, workers, seconds: soakSeconds, ...summary(soak), rssBeforeMb: rssBefore, rssAfterMb: rssAfter, rssGrowth: round(rssAfter / rssBefore - 1, 4) });
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.on('exit', r));
}
