// adrank serve: the ranking server (src/serve/server.ts) on a run, with the online features in process or in Redis.
// With --workers N the port is shared by N processes (node:cluster), one per core; signals reach every worker.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AdrankError, isAdrankError } from '../../core/errors.js';
import { Registry } from '../../ops/registry/registry.js';
import { watchChampion } from '../../ops/registry/watch.js';
import { contextReference, observed, RequestMonitor } from '../../ops/drift/online-monitor.js';
import { openRanker, type OpenOptions } from '../../serve/open.js';
import { createServer, DEFAULT_SERVER, ServingState } from '../../serve/server.js';
import type { Command } from '../command.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return DEFAULT_SERVER.version;
  }
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve a trained run over HTTP: POST /v1/rank, /v1/rank/batch, GET /healthz, /readyz, /metrics, /openapi.json, and POST /admin/reload when ADRANK_ADMIN_TOKEN is set.',
  positionals: [],
  options: [
    { name: 'run', type: 'string', help: 'the run directory `adrank train` wrote' },
    { name: 'registry', type: 'string', help: 'or: serve the champion of this registry and reload when the alias moves' },
    { name: 'host', type: 'string', default: '127.0.0.1', help: 'address to listen on' },
    { name: 'port', type: 'int', min: 0, default: 8080, help: 'port (0 picks a free one, printed on start)' },
    { name: 'store', type: 'string', choices: ['memory', 'redis'], default: 'memory', help: 'where the online features are read: in process, or Redis (shared by several servers)' },
    { name: 'redis', type: 'string', help: 'Redis URL for --store redis, e.g. redis://127.0.0.1:6379' },
    { name: 'namespace', type: 'string', default: 'adrank', help: 'the Redis key prefix `adrank materialize` wrote' },
    { name: 'redis-ca', type: 'string', help: 'CA certificate for rediss:// URLs' },
    { name: 'candidates', type: 'int', min: 1, default: 1000, help: 'ads the index shortlists for the CTR and CVR models' },
    { name: 'threads', type: 'int', min: 1, default: 1, help: 'ONNX Runtime threads per model session' },
    { name: 'workers', type: 'int', min: 1, default: 1, help: 'server processes sharing the port' },
    { name: 'timeout-ms', type: 'int', min: 1, default: DEFAULT_SERVER.requestTimeoutMs, help: 'per-request time limit (503 beyond it)' },
    { name: 'body-limit', type: 'int', min: 1024, default: DEFAULT_SERVER.bodyLimitBytes, help: 'largest request body in bytes (413 beyond it)' },
    { name: 'log-level', type: 'string', choices: ['silent', 'error', 'warn', 'info'], default: 'info', help: 'pino log level: info logs one JSON line per request' },
  ],
  async run(args, ctx) {
    const workers = args.number('workers')!;
    if (workers > 1 && cluster.isPrimary) return runPrimary(workers, ctx.print);
    const storeKind = args.requireString('store');
    const redis = args.string('redis');
    if (storeKind === 'redis' && !redis) throw new AdrankError('BAD_ARGUMENT', '--store redis needs --redis URL', { location: { field: '--redis' }, hint: 'e.g. --redis redis://127.0.0.1:6379' });
    const registry = await registryOf(args.string('run'), args.string('registry'));
    let runDir = registry ? (await championDir(registry)) : args.requireString('run');
    let monitor: RequestMonitor | null = null; // the rolling drift gauges on /metrics, made with the server's registry
    const open = async (dir: string): ReturnType<typeof openRanker> => {
      const options: OpenOptions = {
        candidates: args.number('candidates')!, threads: args.number('threads')!,
        store: storeKind === 'redis' ? { kind: 'redis', url: redis!, namespace: args.requireString('namespace'), caFile: args.string('redis-ca') } : { kind: 'memory' },
      };
      const ranker = await openRanker(dir, options);
      if (!monitor) return ranker;
      monitor.follow(ranker.run, await contextReference(ranker.run).catch(() => null)); // no training log: no PSI gauges
      return observed(ranker, monitor);
    };
    const state = new ServingState();
    const reload = async (next?: string): ReturnType<typeof openRanker> => {
      if (registry && next === undefined) next = await championDir(registry); // a reload serves whatever is champion now
      const ranker = await open(next ?? runDir);
      runDir = next ?? runDir; // only a run that loaded becomes the one a later SIGHUP reloads
      return ranker;
    };
    const { app, metrics, reloadNow } = createServer(state, reload, {
      adminToken: process.env.ADRANK_ADMIN_TOKEN || undefined, bodyLimitBytes: args.number('body-limit')!, requestTimeoutMs: args.number('timeout-ms')!,
      logLevel: args.requireString('log-level') as 'info', version: version(),
    });
    monitor = new RequestMonitor(metrics.registry);
    const ranker = await open(runDir);
    await state.swap(ranker);
    metrics.serving(ranker.run.manifest.createdAt, runDir);
    const address = await app.listen({ host: args.requireString('host'), port: args.number('port')! });
    ctx.print(`serving ${runDir} on ${address}${cluster.isWorker ? ` (worker ${process.pid})` : ''}`);
    process.on('SIGHUP', () => void reloadNow());
    const unwatch = registry
      ? watchChampion(registry, basename(runDir), async (id) => {
        app.log.info({ champion: id }, 'the champion moved: reloading');
        const result = await reloadNow();
        if (!result.ok) app.log.error({ champion: id, message: result.message }, 'the new champion did not load; the current run keeps serving');
        return result.ok ? basename(runDir) : null;
      }, (e) => app.log.error({ err: isAdrankError(e) ? e.describe() : String(e) }, 'cannot read the registry; the current run keeps serving'))
      : () => {};
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        // connections that finish their last request while draining go idle and are closed then, not after the keep-alive timeout
        const idle = setInterval(() => app.server.closeIdleConnections(), 50);
        unwatch();
        void app.close().then(() => state.close()).finally(() => clearInterval(idle)).then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    cluster.worker?.disconnect(); // a worker's channel to the primary would keep it alive after the drain
    return { served: runDir, address };
  },
};

/** The registry of --registry (exactly one of --run and --registry). */
async function registryOf(run: string | undefined, registry: string | undefined): Promise<Registry | null> {
  if ((run === undefined) === (registry === undefined)) {
    throw new AdrankError('BAD_ARGUMENT', 'give exactly one of --run RUN and --registry DIR', { location: { field: '--run' }, hint: '--registry serves the champion and follows it when it moves' });
  }
  return registry === undefined ? null : Registry.open(registry);
}

async function championDir(registry: Registry): Promise<string> {
  const champion = await registry.resolve('champion');
  if (!champion) throw new AdrankError('BAD_ARGUMENT', `the registry ${registry.dir} has no champion`, { location: { file: registry.dir }, hint: 'promote a run first: adrank registry promote RUN' });
  return champion.dir;
}

/** The primary of --workers N: forks the workers, forwards SIGHUP/SIGTERM, and ends when they all have. */
async function runPrimary(workers: number, print: (text: string) => void): Promise<unknown> {
  const children = Array.from({ length: workers }, () => cluster.fork());
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, () => children.forEach((c) => c.process.kill(signal)));
  const codes = await Promise.all(children.map((c) => new Promise<number>((resolve) => c.on('exit', (code) => resolve(code ?? 1)))));
  print(`all ${workers} workers stopped (exit codes ${codes.join(', ')})`);
  if (codes.some((c) => c !== 0)) throw new AdrankError('BAD_ARTIFACT', 'a worker failed', { hint: 'see the worker log above' });
  return { workers, codes };
}
