// `adrank serve` as it runs: a real server process on a free loopback port, real HTTP requests. The API answers,
// bad requests are 4xx naming the field, reload swaps runs without failing a request (and refuses a broken run,
// which leaves the old one serving), SIGTERM drains and exits 0, and with Redis killed mid-stream the answers go on,
// flagged degraded, and recover once Redis is back.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSources } from '../src/data/sources.js';
import { resolveTrainConfig } from '../src/pipeline/config.js';
import { trainRun } from '../src/pipeline/train-run.js';
import { makeWorldSpec, tempDir } from './helpers.js';
import { freePort, redisServerAvailable, startRedis, type TestRedis } from './redis-server.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const root = tempDir();
let runA: string;
let runB: string;

interface Server {
  url: string;
  process: ChildProcess;
  exit: Promise<number>;
  output: () => string;
}

async function startServer(run: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--run', run, '--port', String(port), '--log-level', 'warn', ...extra], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become ready: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, process: child, exit, output: () => output };
}

const REQUEST = { user_id: 3, device: 'mobile', location: 'US', weekday: 2, month: 5, hour: 19 };
interface RankBody {
  ads: { ad_id: number }[];
  user_known: boolean;
  degraded: boolean;
  run_id: string;
  explain: { candidates: number; timingsMs: Record<string, number> };
}
const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

beforeAll(async () => {
  const config = await resolveTrainConfig('default');
  for (const [name, seed] of [['a', 7], ['b', 8]] as const) {
    const dir = await makeWorldSpec(join(root, `world-${name}`), 'small', seed, { users: 1500, ads: 300, advertisers: 30, events: 20_000, testEvents: 2000 });
    await trainRun({ sources: resolveSources(dir), out: join(root, `run-${name}`), config, onBadRow: 'fail', replace: false, screenshot: false, progress: { stage: () => {}, epoch: () => {} } });
  }
  runA = join(root, 'run-a');
  runB = join(root, 'run-b');
});

describe('adrank serve', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer(runA, [], { ADRANK_ADMIN_TOKEN: 'secret-token' });
  });
  afterAll(() => {
    server?.process.kill('SIGKILL');
  });

  it('ranks a request, a batch, and an unknown user; serves health, metrics and the OpenAPI document', async () => {
    const r = await post(`${server.url}/v1/rank`, { ...REQUEST, k: 3, explain: true });
    expect(r.status).toBe(200);
    const body = await json<RankBody>(r);
    expect(body.ads).toHaveLength(3);
    expect(body).toMatchObject({ user_known: true, degraded: false });
    expect(Object.keys(body.ads[0]).sort()).toEqual(['ad_id', 'advertiser_id', 'bid', 'category', 'pctr', 'pcvr', 'rank', 'score']);
    expect(body.explain.candidates).toBeGreaterThan(3);
    expect(Object.keys(body.explain.timingsMs)).toEqual(expect.arrayContaining(['features', 'userTower', 'index', 'ranking', 'total']));
    const unknown = await json<RankBody>(post(`${server.url}/v1/rank`, { ...REQUEST, user_id: 987654321 }));
    expect(unknown.user_known).toBe(false);
    expect(unknown.ads).toHaveLength(5);
    const batch = await json<{ responses: RankBody[] }>(post(`${server.url}/v1/rank/batch`, { requests: [REQUEST, { ...REQUEST, user_id: 4, k: 2 }] }));
    expect(batch.responses.map((x: { ads: unknown[] }) => x.ads.length)).toEqual([5, 2]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/adrank_requests_total\{route="\/v1\/rank",status="200"\} \d+/);
    expect(metrics).toContain('adrank_rank_stage_duration_seconds_bucket{le="0.001",stage="index"}');
    expect(metrics).toContain('adrank_serving_run_info{');
    const openapi = await json<{ paths: Record<string, unknown> }>(fetch(`${server.url}/openapi.json`));
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/rank', '/v1/rank/batch', '/readyz', '/metrics']));
  });

  it('refuses bad requests with 4xx naming the field', async () => {
    const cases: [unknown, number, string][] = [
      ['{"user_id": 3, "device": ', 400, ''],
      [{ ...REQUEST, weekday: 'three' }, 400, 'weekday'],
      [{ ...REQUEST, colour: 'red' }, 400, 'colour'],
      [{ ...REQUEST, k: 0 }, 400, 'k'],
      [{ ...REQUEST, k: 101 }, 400, 'k'],
      [{ ...REQUEST, hour: 24 }, 400, 'hour'],
      [{ device: 'mobile', location: 'US', weekday: 2, month: 5, hour: 19 }, 400, 'user_id'],
      [{ ...REQUEST, user_id: -1 }, 400, 'user_id'],
      [{ ...REQUEST, exclude_ad_ids: ['x'] }, 400, 'exclude_ad_ids.0'],
    ];
    for (const [body, status, field] of cases) {
      const r = await post(`${server.url}/v1/rank`, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      const { error } = await json<{ error: { field?: string } }>(r);
      if (field) expect(error.field, JSON.stringify(body)).toBe(field);
    }
    const huge = await post(`${server.url}/v1/rank`, { ...REQUEST, exclude_ad_ids: Array.from({ length: 60_000 }, (_, i) => i) });
    expect(huge.status).toBe(413);
    const tooMany = await post(`${server.url}/v1/rank/batch`, { requests: Array.from({ length: 257 }, () => REQUEST) });
    expect(tooMany.status).toBe(400);
    expect((await json<{ error: { field: string } }>(tooMany)).error.field).toBe('requests');
  });

  it('reloads only with the admin token, refuses a broken run and keeps serving the old one, then swaps in a good one', async () => {
    const runId = async (): Promise<string> => (await json<RankBody>(post(`${server.url}/v1/rank`, REQUEST))).run_id;
    const before = await runId();
    expect((await post(`${server.url}/admin/reload`, {})).status).toBe(401);
    expect((await post(`${server.url}/admin/reload`, {}, { authorization: 'Bearer wrong-token!' })).status).toBe(401);
    const broken = join(root, 'broken');
    cpSync(runB, broken, { recursive: true });
    const model = readFileSync(join(broken, 'models', 'ctr.onnx'));
    model[model.length - 5] ^= 0xff;
    writeFileSync(join(broken, 'models', 'ctr.onnx'), model);
    const refused = await post(`${server.url}/admin/reload`, { run: broken }, { authorization: 'Bearer secret-token' });
    expect(refused.status).toBe(409);
    expect((await json<{ message: string }>(refused)).message).toContain('ctr.onnx');
    expect(await runId()).toBe(before);
    // a swap under load: every request in flight or arriving meanwhile succeeds
    const load = Array.from({ length: 60 }, (_, i) => post(`${server.url}/v1/rank`, { ...REQUEST, user_id: i }).then((r) => r.status));
    const swapped = await post(`${server.url}/admin/reload`, { run: runB }, { authorization: 'Bearer secret-token' });
    const more = Array.from({ length: 60 }, (_, i) => post(`${server.url}/v1/rank`, { ...REQUEST, user_id: i }).then((r) => r.status));
    expect(swapped.status).toBe(200);
    expect([...(await Promise.all(load)), ...(await Promise.all(more))].every((s) => s === 200)).toBe(true);
    expect(await runId()).not.toBe(before);
  });

  it('drains on SIGTERM: a request in flight completes, the process exits 0', async () => {
    const inFlight = post(`${server.url}/v1/rank/batch`, { requests: Array.from({ length: 200 }, (_, i) => ({ ...REQUEST, user_id: i })) });
    await new Promise((r) => setTimeout(r, 20));
    server.process.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await json<{ responses: unknown[] }>(response)).responses).toHaveLength(200);
    expect(await server.exit).toBe(0);
  });

  it('with --workers 2: both workers answer on one port, and SIGTERM stops both and the primary with exit 0', async () => {
    const two = await startServer(runA, ['--workers', '2']);
    const deadline = Date.now() + 60_000;
    while ((two.output().match(/^serving .* \(worker \d+\)$/gm) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const pids = new Set((two.output().match(/\(worker (\d+)\)/g) ?? []));
    expect(pids.size).toBe(2);
    for (let i = 0; i < 20; i++) expect((await post(`${two.url}/v1/rank`, REQUEST)).status).toBe(200);
    two.process.kill('SIGTERM');
    const code = await Promise.race([two.exit, new Promise<string>((r) => setTimeout(() => r('still running after 20 s'), 20_000))]);
    if (code !== 0) two.process.kill('SIGKILL');
    expect(code, two.output()).toBe(0);
    expect(two.output()).toContain('all 2 workers stopped (exit codes 0, 0)');
  }, 90_000);
});

describe.skipIf(!redisServerAvailable())('adrank serve with the features in Redis', () => {
  let redis: TestRedis;
  let server: Server;
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await redis?.stop();
  });

  it('answers while Redis is down, flagged degraded, and recovers within 5 s of Redis returning', async () => {
    const dir = join(root, 'redis-data');
    redis = await startRedis({ dir });
    const m = spawnSync(process.execPath, [BIN, 'materialize', '--run', runA, '--redis', redis.url], { encoding: 'utf8' });
    expect(m.status, m.stderr).toBe(0);
    spawnSync('redis-cli', ['-p', String(redis.port), 'SAVE']);
    server = await startServer(runA, ['--store', 'redis', '--redis', redis.url]);
    const rank = async (): Promise<{ status: number; degraded: boolean; known: boolean }> => {
      const r = await post(`${server.url}/v1/rank`, REQUEST);
      const body = await json<RankBody>(r);
      return { status: r.status, degraded: body.degraded, known: body.user_known };
    };
    expect(await rank()).toEqual({ status: 200, degraded: false, known: true });
    await redis.stop();
    const down = [];
    for (let i = 0; i < 5; i++) down.push(await rank());
    expect(down.every((d) => d.status === 200 && d.degraded)).toBe(true);
    redis = await startRedis({ port: redis.port, dir });
    const back = Date.now();
    let recovered = false;
    while (Date.now() - back < 5000 && !recovered) {
      const r = await rank();
      recovered = !r.degraded && r.known;
      if (!recovered) await new Promise((res) => setTimeout(res, 100));
    }
    expect(recovered, `not recovered ${Date.now() - back} ms after Redis came back`).toBe(true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/adrank_degraded_responses_total [1-9]/);
  });
});
