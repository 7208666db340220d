// The summary table `adrank train` prints: each task's model beside its baselines and the oracle.
import type { TrainSummary } from '../pipeline/train-run.js';

const f4 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));

export function formatTrainSummary(summary: TrainSummary): string {
  const m = summary.metrics;
  const lines = [`\nrun written to ${summary.out} in ${summary.seconds.toFixed(1)} s (${m.protocol.note})`];
  for (const [task, evaluation] of [['CTR', m.ctr], ['CVR', m.cvr]] as const) {
    lines.push(`\n${task} on ${evaluation.rows} reporting rows          AUC     log loss  ECE     Σp/Σy`);
    for (const r of evaluation.results) {
      lines.push(`  ${r.name.padEnd(44).slice(0, 44)} ${f4(r.metrics.auc)}  ${f4(r.metrics.logLoss)}    ${f4(r.metrics.ece)}  ${r.metrics.calibrationRatio.toFixed(3)}`);
    }
  }
  const r = m.retrieval;
  lines.push(`\nretrieval, ${r.clicks} clicked events          ${r.k.map((k) => `recall@${k}`.padEnd(11)).join('')}`);
  for (const row of r.results) lines.push(`  ${row.name.padEnd(44).slice(0, 44)} ${row.recall.map((x) => f4(x).padEnd(11)).join('')}`);
  const ex = m.examples;
  for (const user of ex.users) {
    lines.push(`\nuser ${user.userId} — top ${user.byTwoTower.length} by two-tower score${user.twoTowerInput === 'serving' ? '' : ' (the blog\'s way: the user\'s first training row)'}:  ${user.byTwoTower.map((a) => `ad ${a.adId} (${a.category}) ${a.score.toFixed(3)}`).join(', ')}`);
    lines.push(`user ${user.userId} — top ${user.byPctr.length} by calibrated pCTR:    ${user.byPctr.map((a) => `ad ${a.adId} (${a.category}) ${a.pctr.toFixed(3)}`).join(', ')}`);
  }
  lines.push(`\nmean pCTR on the reporting rows: raw ${ex.meanRawPctr.toFixed(3)}, calibrated ${ex.meanCalibratedPctr.toFixed(3)}, actual CTR ${ex.actualCtr.toFixed(3)}`);
  if (m.coldUsers) {
    lines.push(`\nusers without training events: ${m.coldUsers.events} events, observed CTR ${(m.coldUsers.observedCtr * 100).toFixed(3)}%, mean calibrated pCTR ${(m.coldUsers.meanCalibratedPctr * 100).toFixed(3)}%`);
  }
  lines.push('', ...m.verdicts.map((v) => `  ${v}`), `\nreport: ${summary.out}/report.html`);
  return lines.join('\n');
}
