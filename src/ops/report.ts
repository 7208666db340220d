// Report sections of the operations loop, as ReportData for the generic renderer (eval/report.ts): drift (PSI and
// Jensen–Shannon distance per feature, per-day PSI and calibration) and the closed-loop simulation (revenue per
// request and its share of the oracle by day, the A/B readout with 95% intervals, off-policy estimates).
import type { CellRole, LineChart, ReportData, ReportSection, ReportTable } from '../eval/report-data.js';
import type { DriftReport } from './drift/drift.js';
import type { SimulationResult } from './sim/loop.js';

const statusRole = (s: string): CellRole | undefined => (s === 'ok' ? undefined : 'warn');

export function driftSections(r: DriftReport): ReportSection[] {
  const table: ReportTable = {
    title: `${r.features.length} features of the run's models (warn at PSI ${r.thresholds.warn}, alert at ${r.thresholds.alert})`,
    columns: [{ label: 'feature', format: 'text' }, { label: 'kind', format: 'text' }, { label: 'PSI', format: 'fixed4' }, { label: 'Jensen–Shannon', format: 'fixed4' }, { label: 'status', format: 'text' }, { label: 'OOV share', format: 'percent' }, { label: 'OOV in training', format: 'percent' }, { label: 'bins', format: 'int' }],
    rows: r.features.map((f) => ({ cells: [f.feature, f.kind, f.psi, f.jensenShannon, f.status, f.oovShare ?? null, f.referenceOovShare ?? null, f.bins], role: statusRole(f.status) })),
  };
  const sections: ReportSection[] = [{
    id: 'drift', title: 'Drift against the training distribution',
    paragraphs: [
      `${r.events.rows} events (${r.events.sampled} sampled) against the ${r.reference.rows} training events of ${r.run}, each with the aggregates as of the end of training.`,
      r.alerts.length ? `Alerts: ${r.alerts.join('; ')}.` : r.warnings.length ? `Warnings: ${r.warnings.join('; ')}.` : 'No feature drifted above the warning level.',
      `Predictions: mean pCTR ${r.overall.meanPctr.toFixed(5)} against an observed CTR of ${r.overall.observedCtr.toFixed(5)} (Σp / Σy ${r.overall.calibrationRatio.toFixed(3)}); training CTR ${r.reference.ctr.toFixed(5)}, label PSI ${r.overall.labelPsi.toFixed(4)}.`,
    ],
    tables: [table],
    charts: [{ kind: 'bar', id: 'drift-psi', title: 'PSI by feature', yLabel: 'PSI', categories: r.features.map((f) => f.feature), series: [{ label: 'PSI', values: r.features.map((f) => f.psi), role: 'model' }], horizontal: true }],
  }];
  if (r.days.length > 1) {
    const x = r.days.map((_, i) => i + 1);
    const worst = [...r.features].sort((a, b) => b.psi - a.psi).slice(0, 5).map((f) => f.feature);
    sections.push({
      id: 'drift-days', title: 'Drift by day',
      paragraphs: [`Days ${r.days[0].day} to ${r.days[r.days.length - 1].day}; the five features that drifted most overall.`],
      charts: [
        { kind: 'line', id: 'drift-days-psi', title: 'PSI by day', xLabel: 'day', yLabel: 'PSI', series: worst.map((name) => ({ label: name, x, y: r.days.map((d) => d.features.find((f) => f.feature === name)?.psi ?? null), points: true, role: 'model' as const })) },
        { kind: 'line', id: 'drift-days-calibration', title: 'Predictions by day', xLabel: 'day', yLabel: 'rate', series: [
          { label: 'mean pCTR', x, y: r.days.map((d) => d.meanPctr), role: 'model', points: true },
          { label: 'observed CTR', x, y: r.days.map((d) => d.observedCtr), role: 'oracle', points: true },
        ] },
      ],
      tables: [{ columns: [{ label: 'day', format: 'text' }, { label: 'events', format: 'int' }, { label: 'CTR', format: 'percent' }, { label: 'mean pCTR', format: 'percent' }, { label: 'Σp / Σy', format: 'fixed3' }, { label: 'alerts', format: 'int' }, { label: 'warnings', format: 'int' }],
        rows: r.days.map((d) => ({ cells: [d.day, d.events, d.observedCtr, d.meanPctr, d.calibrationRatio, d.features.filter((f) => f.status === 'alert').length, d.features.filter((f) => f.status === 'warn').length] })) }],
    });
  }
  return sections;
}

export function simulationSections(r: SimulationResult): ReportSection[] {
  const x = r.days.map((d) => d.day);
  const names = r.days[0]?.arms.map((a) => a.name) ?? [];
  const role = (name: string): CellRole => (name === 'retrained' ? 'model' : 'baseline');
  const revenue: LineChart = {
    kind: 'line', id: 'sim-revenue', title: 'Expected revenue per request', xLabel: 'day', yLabel: 'revenue per request',
    series: [{ label: 'oracle', x, y: r.days.map((d) => d.oraclePerRequest), role: 'oracle', dashed: true }, ...names.map((n, i) => ({ label: n, x, y: r.days.map((d) => d.arms[i].expectedPerRequest), role: role(n), points: true }))],
  };
  const share: LineChart = { kind: 'line', id: 'sim-share', title: 'Share of the oracle', xLabel: 'day', yLabel: 'share', series: names.map((n, i) => ({ label: n, x, y: r.days.map((d) => d.arms[i].shareOfOracle), role: role(n), points: true })) };
  const realized: LineChart = {
    kind: 'line', id: 'sim-realized', title: `Realized revenue per request (95% intervals)${r.mode === 'ab' ? ', A/B arms' : ''}`, xLabel: 'day', yLabel: 'revenue per request',
    series: names.map((n, i) => ({ label: n, x, y: r.days.map((d) => d.arms[i].realizedPerRequest), role: role(n), points: true, band: { lower: r.days.map((d) => d.arms[i].realizedInterval.lower), upper: r.days.map((d) => d.arms[i].realizedInterval.upper) } })),
  };
  const table: ReportTable = {
    columns: [{ label: 'day', format: 'int' }, { label: 'oracle', format: 'fixed4' }, ...names.flatMap((n) => [{ label: `${n}: expected`, format: 'fixed4' as const }, { label: `${n}: share`, format: 'percent' as const }, { label: `${n}: realized`, format: 'fixed4' as const }])],
    rows: r.days.map((d) => ({ cells: [d.day, d.oraclePerRequest, ...d.arms.flatMap((a) => [a.expectedPerRequest, a.shareOfOracle, a.realizedPerRequest])] })),
  };
  const s = r.settings;
  const sections: ReportSection[] = [{
    id: 'simulation', title: r.mode === 'ab' ? 'Closed loop: an A/B test of the frozen and the retrained model' : 'Closed loop: retrained every 24 h against frozen',
    paragraphs: [
      `${r.days.length} days of ${s.requestsPerDay} requests on ${r.world}; each policy shows its best ad, except for an exploration share ε = ${s.exploration.epsilon} spread over its top ${s.exploration.topM} (${(100 * (1 - s.exploration.uniform)).toFixed(0)}%) and over all its candidates (${(100 * s.exploration.uniform).toFixed(0)}%); the retrained model learns every day from the last ${s.windowDays} days of the log${s.keepHistory ? ' and day 0\'s history' : ''} (config ${s.config}).`,
      r.mode === 'ab' ? 'Users are split by a hash of their id; each arm\'s revenue is measured on its own users.' : 'Both policies answer the same requests with the same random draws; expected revenue uses the day\'s true probabilities and bids.',
      ...(r.ab ? [`Over all days, realized revenue per request (95%, clustered by user): ${r.ab.arms.map((a) => `${a.name} ${interval(a)}`).join(', ')}; lift retrained − frozen ${interval(r.ab.lift)}.`] : []),
    ],
    tables: [table], charts: [revenue, share, realized],
  }];
  if (r.offPolicy.length) {
    sections.push({
      id: 'off-policy', title: 'Off-policy estimates against what the policy earned',
      paragraphs: ['Each policy\'s revenue per request estimated from the other arm\'s log and its logged propensities, beside its true expected revenue on those requests and what its own arm measured. Support: the share of the target\'s probability on ads the logging arm could show; IPS and SNIPS cannot see the rest.'],
      tables: [{
        columns: [{ label: 'target ← log', format: 'text' }, { label: 'estimator', format: 'text' }, { label: 'estimate', format: 'fixed4' }, { label: '95% low', format: 'fixed4' }, { label: '95% high', format: 'fixed4' }, { label: 'truth', format: 'fixed4' }, { label: 'covers the truth', format: 'text' }, { label: 'arm measured', format: 'fixed4' }, { label: 'support', format: 'percent' }],
        rows: r.offPolicy.flatMap((c) => c.estimates.map((e) => ({ cells: [`${c.target} ← ${c.logger}`, e.name, e.value, e.lower, e.upper, c.truth, e.coversTruth ? 'yes' : 'no', c.measured.mean, c.support], role: e.coversTruth ? undefined : ('warn' as const) }))),
      }],
    });
  }
  return sections;
}

const interval = (x: { mean: number; lower: number; upper: number }): string => `${x.mean.toFixed(4)} [${x.lower.toFixed(4)}, ${x.upper.toFixed(4)}]`;

export function simulationReport(r: SimulationResult): ReportData {
  return { title: 'adrank simulation', subtitle: r.world, meta: [{ label: 'mode', value: r.mode }, { label: 'days', value: String(r.days.length) }, { label: 'seconds', value: r.seconds.toFixed(1) }], sections: simulationSections(r) };
}

export function driftReport(r: DriftReport): ReportData {
  return { title: 'adrank drift', subtitle: r.events.file, meta: [{ label: 'run', value: r.run }, { label: 'events', value: String(r.events.rows) }], sections: driftSections(r) };
}
