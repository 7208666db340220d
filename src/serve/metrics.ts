// The server's Prometheus metrics (prom-client), one registry per server: requests by route and status, latency
// per route and per stage of the ranking path, candidates per request, store errors and degraded answers, and
// which run is serving.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'adrank_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({ name: 'adrank_request_duration_seconds', help: 'request latency by route', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly stage = new Histogram({ name: 'adrank_rank_stage_duration_seconds', help: 'time per stage of the ranking path', labelNames: ['stage'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly candidates = new Histogram({ name: 'adrank_candidates_per_request', help: 'candidate ads scored per request', buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000], registers: [this.registry] });
  readonly storeErrors = new Counter({ name: 'adrank_store_errors_total', help: 'feature store lookups that failed (answered from fallback features)', registers: [this.registry] });
  readonly degraded = new Counter({ name: 'adrank_degraded_responses_total', help: 'answers flagged degraded', registers: [this.registry] });
  readonly unknownUsers = new Counter({ name: 'adrank_unknown_users_total', help: 'requests of users the store does not know (cold path)', registers: [this.registry] });
  readonly run = new Gauge({ name: 'adrank_serving_run_info', help: 'the run being served (value 1)', labelNames: ['run_id', 'run_dir'], registers: [this.registry] });
  readonly reloads = new Counter({ name: 'adrank_reloads_total', help: 'hot reloads by outcome', labelNames: ['outcome'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'adrank_process_' });
  }

  serving(runId: string, runDir: string): void {
    this.run.reset();
    this.run.set({ run_id: runId, run_dir: runDir }, 1);
  }
}
