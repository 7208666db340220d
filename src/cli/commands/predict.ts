// adrank predict: calibrated pCTR and pCVR of every event of a file, scored with a trained run as serving scores
// them (the user and the ad as of the end of training, the cold path for the ones the run does not know), one output
// row per input row, in input order.
import { closeSync, openSync, writeSync } from 'node:fs';
import { checkOutputPath, produceAtomic } from '../../core/atomic-write.js';
import { loadRun } from '../../pipeline/load-run.js';
import { scoreEvents, type EventRow } from '../../pipeline/predict-run.js';
import { EVENT_RULES, readRowsFile } from '../../serve/requests-file.js';
import type { Command } from '../command.js';

export const predictCommand: Command = {
  name: 'predict',
  summary: 'Score a file of events (user_id,ad_id,device,location,weekday,month,hour; labels optional) with a trained run and write pctr,pcvr per row, in input order.',
  positionals: [],
  options: [
    { name: 'run', type: 'string', required: true, help: 'the run directory `adrank train` wrote' },
    { name: 'events', type: 'string', required: true, help: 'events file (.csv or .parquet), the columns of an event log' },
    { name: 'out', type: 'string', required: true, help: 'output CSV' },
    { name: 'raw', type: 'boolean', help: 'add the models\u2019 logits (ctr_logit, cvr_logit) before calibration' },
    { name: 'on-bad-row', type: 'string', choices: ['fail', 'skip'], default: 'fail', help: 'fail on a bad event row, or write an empty output row for it and report' },
  ],
  async run(args, ctx) {
    const out = args.requireString('out');
    await checkOutputPath(out, 'file');
    const run = await loadRun(args.requireString('run'));
    const file = await readRowsFile(args.requireString('events'), EVENT_RULES, args.requireString('on-bad-row') as 'fail' | 'skip', 'events');
    const first = file.problems[0];
    if (first) ctx.print(`${file.problems.length} problem(s) in the events file, those rows left empty, e.g. row ${first.row} column ${first.column}: ${first.problem} (${JSON.stringify(first.value)})`);
    const events: EventRow[] = file.rows.map(({ values: v }) => ({
      userId: Number(v.user_id), adId: Number(v.ad_id), device: String(v.device), location: String(v.location), weekday: Number(v.weekday), month: Number(v.month), hour: Number(v.hour),
    }));
    const started = performance.now();
    const scores = await scoreEvents(run, events);
    const raw = args.flag('raw');
    await produceAtomic(out, async (tmp) => {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, raw ? 'pctr,pcvr,ctr_logit,cvr_logit\n' : 'pctr,pcvr\n');
        const empty = raw ? ',,,\n' : ',\n';
        let next = 0; // the next scored event; rows left out (skipped) get an empty line so the output stays aligned
        const lines: string[] = [];
        for (let row = 1; row <= file.rowsRead; row++) {
          if (next < file.rows.length && file.rows[next].row === row) {
            const i = next++;
            lines.push(raw ? `${scores.pctr[i]},${scores.pcvr[i]},${scores.ctrLogit[i]},${scores.cvrLogit[i]}\n` : `${scores.pctr[i]},${scores.pcvr[i]}\n`);
          } else lines.push(empty);
          if (lines.length === 10_000) writeSync(fd, lines.splice(0).join(''));
        }
        writeSync(fd, lines.join(''));
      } finally {
        closeSync(fd);
      }
    });
    const unknownUsers = scores.userKnown.reduce((n, k) => n + (k ? 0 : 1), 0);
    const unknownAds = scores.adKnown.reduce((n, k) => n + (k ? 0 : 1), 0);
    const newUsers = scores.userImpressions.reduce((n, x) => n + (x > 0 ? 0 : 1), 0);
    const seconds = (performance.now() - started) / 1000;
    ctx.print(`scored ${events.length} events in ${seconds.toFixed(1)} s (${newUsers} of users without training events, ${unknownUsers} of them not in the user catalogue; ${unknownAds} of ads the run does not know: cold path) → ${out}`);
    return { events: events.length, rowsRead: file.rowsRead, badRows: file.rowsRead - file.rows.length, newUsers, unknownUsers, unknownAds, seconds, out };
  },
};
