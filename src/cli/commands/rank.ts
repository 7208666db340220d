// adrank rank: a file of requests ranked through the run's request path (the same ranker the server uses), the
// top k of each written as CSV.
import { closeSync, openSync, writeSync } from 'node:fs';
import { checkOutputPath, produceAtomic } from '../../core/atomic-write.js';
import { openRanker } from '../../serve/open.js';
import { readRequests } from '../../serve/requests-file.js';
import type { Command } from '../command.js';
import { createProgress } from '../progress.js';

export const rankCommand: Command = {
  name: 'rank',
  summary: 'Rank a file of requests (request_id,user_id,device,location,weekday,month,hour) with a trained run and write request_id,rank,ad_id,score,pctr,pcvr.',
  positionals: [],
  options: [
    { name: 'run', type: 'string', required: true, help: 'the run directory `adrank train` wrote' },
    { name: 'requests', type: 'string', required: true, help: 'requests file (.csv or .parquet)' },
    { name: 'out', type: 'string', required: true, help: 'output CSV' },
    { name: 'k', type: 'int', min: 1, default: 5, help: 'ads per request' },
    { name: 'candidates', type: 'int', min: 1, default: 1000, help: 'ads the index shortlists for the CTR and CVR models' },
    { name: 'on-bad-row', type: 'string', choices: ['fail', 'skip'], default: 'fail', help: 'fail on a bad request row, or leave it out and report' },
  ],
  async run(args, ctx) {
    const out = args.requireString('out');
    await checkOutputPath(out, 'file');
    const file = await readRequests(args.requireString('requests'), args.requireString('on-bad-row') as 'fail' | 'skip');
    if (file.problems.length) ctx.print(`left out ${file.problems.length} bad request row(s), e.g. row ${file.problems[0].row} column ${file.problems[0].column}: ${file.problems[0].problem} (${JSON.stringify(file.problems[0].value)})`);
    const ranker = await openRanker(args.requireString('run'), { store: { kind: 'memory' }, candidates: args.number('candidates')! });
    const k = args.number('k')!;
    const started = performance.now();
    const progress = createProgress('ranking');
    let unknownUsers = 0;
    let lines = 0;
    try {
      await produceAtomic(out, async (tmp) => {
        const fd = openSync(tmp, 'w');
        try {
          writeSync(fd, 'request_id,rank,ad_id,score,pctr,pcvr\n');
          for (let i = 0; i < file.requests.length; i++) {
            const request = file.requests[i];
            const response = await ranker.rank({ ...request, k });
            if (!response.userKnown) unknownUsers++;
            const quoted = /[",\n]/.test(request.requestId) ? `"${request.requestId.replaceAll('"', '""')}"` : request.requestId;
            writeSync(fd, response.ads.map((a) => `${quoted},${a.rank},${a.adId},${a.score},${a.pctr},${a.pcvr}\n`).join(''));
            lines += response.ads.length;
            progress.update(i + 1, file.requests.length);
          }
        } finally {
          closeSync(fd);
        }
      });
    } finally {
      progress.finish();
      await ranker.close();
    }
    const seconds = (performance.now() - started) / 1000;
    ctx.print(`ranked ${file.requests.length} requests (${unknownUsers} of unknown users, cold path) in ${seconds.toFixed(1)} s → ${lines} rows in ${out}`);
    return { requests: file.requests.length, skipped: file.problems.length, unknownUsers, rows: lines, seconds, out };
  },
};
