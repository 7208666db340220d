// The ranking server on fastify. Routes are thin: a JSON schema validates the request (400 naming the field), one
// ranker call answers it. Hot reload loads and warms a new run off the request path and swaps it in atomically;
// requests in flight finish on the run they started on, which is closed only when the last one is done. A run
// that fails to load is refused and the old one keeps serving. SIGTERM stops accepting, drains, exits 0.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AdrankError, isAdrankError, type ErrorCode } from '../core/errors.js';
import { ServerMetrics } from './metrics.js';
import type { Ranker, RankRequest, RankResponse } from './ranker.js';
import { batchRequestSchema, openApiDocument, rankRequestSchema, rankResponseSchema } from './schemas.js';

export interface ServerOptions {
  /** the admin token for POST /admin/reload; reload over HTTP is off without one */
  adminToken?: string;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  logLevel: 'silent' | 'error' | 'warn' | 'info';
  version: string;
}

export const DEFAULT_SERVER: ServerOptions = { bodyLimitBytes: 256 * 1024, requestTimeoutMs: 2000, logLevel: 'info', version: '0.0.0' };

/** The ranker being served, with a count of the requests still using each one, so a swap never closes one in use. */
export class ServingState {
  private current: { ranker: Ranker; inFlight: number; retired: boolean } | null = null;

  get ready(): boolean {
    return this.current !== null;
  }

  async use<T>(fn: (ranker: Ranker) => Promise<T>): Promise<T> {
    const slot = this.current;
    if (!slot) throw new AdrankError('BAD_ARTIFACT', 'the server is not ready: no run is loaded yet', { hint: 'wait for /readyz' });
    slot.inFlight++;
    try {
      return await fn(slot.ranker);
    } finally {
      slot.inFlight--;
      if (slot.retired && slot.inFlight === 0) await slot.ranker.close();
    }
  }

  /** Serve `ranker` from now on; the previous one closes once its requests are done. */
  async swap(ranker: Ranker): Promise<void> {
    const old = this.current;
    this.current = { ranker, inFlight: 0, retired: false };
    if (old) {
      old.retired = true;
      if (old.inFlight === 0) await old.ranker.close();
    }
  }

  async close(): Promise<void> {
    const old = this.current;
    this.current = null;
    if (old && old.inFlight === 0) await old.ranker.close();
    else if (old) old.retired = true;
  }

  get ranker(): Ranker | null {
    return this.current?.ranker ?? null;
  }
}

/** One HTTP status per error code. */
const STATUS: Partial<Record<ErrorCode, number>> = { BAD_ARGUMENT: 400, BAD_CONFIG: 400, OUT_OF_RANGE: 400, UNKNOWN_USER: 404, STORE_UNAVAILABLE: 503, BAD_ARTIFACT: 503 };

type RankBody = { user_id: number; device: string; location: string; weekday: number; month: number; hour: number; k?: number; exclude_ad_ids?: number[]; max_per_advertiser?: number; explain?: boolean };

function toRequest(body: RankBody): RankRequest {
  return {
    userId: body.user_id, device: body.device, location: body.location, weekday: body.weekday, month: body.month, hour: body.hour,
    k: body.k, excludeAdIds: body.exclude_ad_ids, maxPerAdvertiser: body.max_per_advertiser, explain: body.explain,
  };
}

function toResponse(r: RankResponse): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ads: r.ads.map((a) => ({ ad_id: a.adId, rank: a.rank, score: a.score, pctr: a.pctr, pcvr: a.pcvr, bid: a.bid, advertiser_id: a.advertiserId, category: a.category })),
    user_known: r.userKnown, run_id: r.runId, degraded: r.degraded,
  };
  if (r.explain) out.explain = r.explain;
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AdrankError('STORE_UNAVAILABLE', `the request took longer than ${ms} ms`, { hint: 'retry; the server is overloaded or a dependency is slow' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createServer(state: ServingState, reload: ((run?: string) => Promise<Ranker>) | null, options: ServerOptions): { app: FastifyInstance; metrics: ServerMetrics; reloadNow: (run?: string) => Promise<{ ok: boolean; message: string }> } {
  const metrics = new ServerMetrics();
  const app = Fastify({
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    bodyLimit: options.bodyLimitBytes,
    ajv: { customOptions: { removeAdditional: false, useDefaults: true, coerceTypes: false, allErrors: false } },
    return503OnClosing: true,
    // on close, idle keep-alive connections are dropped at once; busy ones finish their request first
    forceCloseConnections: 'idle',
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error: Error & { validation?: { instancePath: string; params?: Record<string, unknown>; message?: string }[]; statusCode?: number; code?: string }, _request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      const v = error.validation[0];
      const extra = v.params?.additionalProperty;
      const field = (v.instancePath.replace(/^\//, '').replaceAll('/', '.') + (extra ? `${v.instancePath ? '.' : ''}${String(extra)}` : v.params?.missingProperty ? `${v.instancePath ? '.' : ''}${String(v.params.missingProperty)}` : '')) || 'body';
      return reply.status(400).send({ error: { code: 'BAD_REQUEST', message: `${field}: ${extra ? 'unknown field' : v.message ?? 'invalid'}`, field, hint: 'see /openapi.json' } });
    }
    if (isAdrankError(error)) {
      return reply.status(STATUS[error.code] ?? 500).send({ error: { code: error.code, message: error.message, field: error.location.field, hint: error.hint } });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message, hint: 'see /openapi.json' } });
    }
    app.log.error(error);
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error', hint: 'see the server log' } });
  });

  const observe = (r: RankResponse): void => {
    if (r.degraded) {
      metrics.degraded.inc();
      metrics.storeErrors.inc();
    }
    if (!r.userKnown && !r.degraded) metrics.unknownUsers.inc();
    for (const [stage, ms] of Object.entries(r.stageMs)) metrics.stage.observe({ stage }, ms / 1000);
    metrics.candidates.observe(r.candidateCount);
  };
  const rankOne = async (body: RankBody): Promise<Record<string, unknown>> => {
    const r = await withTimeout(state.use((ranker) => ranker.rank(toRequest(body))), options.requestTimeoutMs);
    observe(r);
    return toResponse(r);
  };

  app.post('/v1/rank', { schema: { body: rankRequestSchema, response: { 200: rankResponseSchema } } }, async (request) => rankOne(request.body as RankBody));
  app.post('/v1/rank/batch', { schema: { body: batchRequestSchema } }, async (request) => {
    const { requests } = request.body as { requests: RankBody[] };
    const responses = [];
    for (const body of requests) responses.push(await rankOne(body));
    return { responses };
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => (state.ready ? { ready: true, run_id: state.ranker?.run.manifest.createdAt } : reply.status(503).send({ ready: false })));
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/openapi.json', async () => openApiDocument(options.version));

  let reloading: Promise<{ ok: boolean; message: string }> | null = null;
  const reloadNow = (run?: string): Promise<{ ok: boolean; message: string }> => {
    if (!reload) return Promise.resolve({ ok: false, message: 'reload is not configured' });
    reloading ??= (async () => {
      try {
        const ranker = await reload(run);
        await state.swap(ranker);
        metrics.serving(ranker.run.manifest.createdAt, ranker.run.dir);
        metrics.reloads.inc({ outcome: 'swapped' });
        app.log.info({ run: ranker.run.dir }, 'reloaded');
        return { ok: true, message: `serving ${ranker.run.dir}` };
      } catch (e) {
        metrics.reloads.inc({ outcome: 'refused' });
        const message = isAdrankError(e) ? e.describe() : String(e);
        app.log.error({ err: message }, 'reload refused; the old run keeps serving');
        return { ok: false, message };
      } finally {
        reloading = null;
      }
    })();
    return reloading;
  };
  const reloadSchema = { body: { type: ['object', 'null'], additionalProperties: false, properties: { run: { type: 'string', minLength: 1 } } } };
  app.post('/admin/reload', { schema: reloadSchema }, async (request, reply) => {
    if (!options.adminToken) return reply.status(404).send({ error: { code: 'NOT_ENABLED', message: 'reload over HTTP is off', hint: 'set ADRANK_ADMIN_TOKEN to enable it' } });
    const given = Buffer.from(String(request.headers.authorization ?? '').replace(/^Bearer /, ''));
    const token = Buffer.from(options.adminToken);
    if (given.length !== token.length || !timingSafeEqual(given, token)) return reply.status(401).send({ error: { code: 'UNAUTHORIZED', message: 'wrong or missing admin token', hint: 'send Authorization: Bearer <ADRANK_ADMIN_TOKEN>' } });
    const result = await reloadNow((request.body as { run?: string } | null)?.run);
    return reply.status(result.ok ? 200 : 409).send(result);
  });
  return { app, metrics, reloadNow };
}
