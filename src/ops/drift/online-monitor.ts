// Drift seen by a server, as Prometheus gauges over the last N requests: the mean pCTR of the ads it returned, the
// share of requests whose user or context values the run's FeatureMap does not know (OOV), and the PSI of the
// request context features that do not follow the clock (device, location) against their distribution in the
// run's training log. The last few thousand requests all share one weekday, month and a few hours, so their PSI
// against a log of many days would alert all the time; those features get OOV gauges only (`adrank drift` compares
// them per day). Requests are kept in ring buffers; the gauges are computed when /metrics is scraped, off the
// request path.
// Legend: W window of requests, V values of a feature (+1 for OOV).
import { Gauge, type Registry } from 'prom-client';
import { Db, sqlString } from '../../data/duckdb.js';
import type { LoadedRun } from '../../pipeline/load-run.js';
import type { Ranker, RankRequest, RankResponse } from '../../serve/ranker.js';
import { runTrainingSources } from '../run-rows.js';
import { psi, shares } from './stats.js';

export const CONTEXT_FEATURES = ['device', 'location', 'weekday', 'month', 'hour'] as const;
type ContextFeature = (typeof CONTEXT_FEATURES)[number];
/** the context features with a PSI gauge: those whose mix over a few minutes of traffic is comparable to training's */
export const PSI_FEATURES: readonly ContextFeature[] = ['device', 'location'];

/** Training shares (V + 1, OOV last) of each context feature, from the run's training log. */
export async function contextReference(run: LoadedRun): Promise<Record<ContextFeature, Float64Array>> {
  const { sources } = await runTrainingSources(run);
  const log = sources.event_log;
  const reader = log.format === 'parquet' ? `read_parquet(${sqlString(log.path)})` : `read_csv(${sqlString(log.path)}, header=true, all_varchar=true)`;
  const db = await Db.open();
  try {
    const out = {} as Record<ContextFeature, Float64Array>;
    for (const feature of CONTEXT_FEATURES) {
      const values = run.featureMap.vocabularies.find((v) => v.name === feature)!.values;
      const counts = new Float64Array(values.length + 1);
      const index = new Map(values.map((v, i) => [v, i]));
      for (const r of await db.rows(`SELECT CAST(${feature} AS VARCHAR) AS v, count(*) AS n FROM ${reader} GROUP BY 1`)) counts[index.get(String(r.v)) ?? values.length] += Number(r.n);
      out[feature] = shares(counts);
    }
    return out;
  } finally {
    db.close();
  }
}

/** The rolling drift gauges of a server; `follow` switches them to the run being served (a reload). */
export class RequestMonitor {
  private readonly codes: Record<ContextFeature, Int32Array>;
  private index = {} as Record<ContextFeature, Map<string, number>>;
  private reference: Record<ContextFeature, Float64Array> | null = null;
  private readonly pctr: Float64Array; // (W)
  private readonly unknownUser: Uint8Array; // (W)
  private count = 0;

  constructor(registry: Registry, private readonly window = 5000) {
    this.codes = Object.fromEntries(CONTEXT_FEATURES.map((f) => [f, new Int32Array(window)])) as Record<ContextFeature, Int32Array>;
    this.pctr = new Float64Array(window);
    this.unknownUser = new Uint8Array(window);
    const monitor = this; // prom-client calls collect() with the gauge as `this`
    new Gauge({ name: 'adrank_rolling_requests', help: 'requests in the rolling drift window', registers: [registry], collect() { this.set(monitor.size); } });
    new Gauge({ name: 'adrank_rolling_mean_pctr', help: 'mean calibrated pCTR of the top ad over the rolling window', registers: [registry], collect() { this.set(monitor.meanPctr()); } });
    new Gauge({
      name: 'adrank_rolling_oov_share', help: 'share of requests in the rolling window whose value the FeatureMap does not know', labelNames: ['feature'], registers: [registry],
      collect() {
        if (monitor.size === 0) return;
        for (const f of CONTEXT_FEATURES) this.set({ feature: f }, monitor.oovShare(f));
        this.set({ feature: 'user_id' }, monitor.unknownUserShare());
      },
    });
    new Gauge({
      name: 'adrank_rolling_psi', help: 'PSI of the request device and location over the rolling window against the training log', labelNames: ['feature'], registers: [registry],
      collect() {
        if (monitor.size === 0 || !monitor.reference) return;
        for (const f of PSI_FEATURES) this.set({ feature: f }, monitor.psi(f));
      },
    });
  }

  /** Measure against `run` from now on (its vocabularies; its training shares, when they could be read). */
  follow(run: LoadedRun, reference: Record<ContextFeature, Float64Array> | null): void {
    this.index = Object.fromEntries(CONTEXT_FEATURES.map((f) => [f, new Map(run.featureMap.vocabularies.find((v) => v.name === f)!.values.map((v, i) => [v, i]))])) as Record<ContextFeature, Map<string, number>>;
    this.reference = reference;
    this.count = 0;
  }

  get size(): number {
    return Math.min(this.count, this.window);
  }

  observe(request: RankRequest, response: RankResponse): void {
    const slot = this.count++ % this.window;
    for (const f of CONTEXT_FEATURES) this.codes[f][slot] = this.index[f]?.get(String(request[f])) ?? this.index[f]?.size ?? 0;
    this.pctr[slot] = response.ads[0]?.pctr ?? NaN;
    this.unknownUser[slot] = response.userKnown ? 0 : 1;
  }

  meanPctr(): number {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < this.size; i++) if (Number.isFinite(this.pctr[i])) (sum += this.pctr[i]), n++;
    return n ? sum / n : 0;
  }

  oovShare(feature: ContextFeature): number {
    const oov = this.index[feature].size;
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.codes[feature][i] === oov) n++;
    return this.size ? n / this.size : 0;
  }

  unknownUserShare(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) n += this.unknownUser[i];
    return this.size ? n / this.size : 0;
  }

  psi(feature: ContextFeature): number {
    const reference = this.reference![feature];
    const counts = new Float64Array(reference.length);
    for (let i = 0; i < this.size; i++) counts[this.codes[feature][i]]++;
    return psi(reference, shares(counts));
  }
}

/** `ranker` with every answer it gives also observed by `monitor`. */
export function observed(ranker: Ranker, monitor: RequestMonitor): Ranker {
  return new Proxy(ranker, {
    get(target, property, receiver) {
      if (property !== 'rank') return Reflect.get(target, property, receiver);
      return async (request: RankRequest): Promise<RankResponse> => {
        const response = await target.rank(request);
        monitor.observe(request, response);
        return response;
      };
    },
  });
}
