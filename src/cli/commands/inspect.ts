// adrank inspect DIR: load and validate a data directory, then show sizes, rates and vocabularies.
import { isAdrankError } from '../../core/errors.js';
import { loadData, type OnBadRow } from '../../data/load.js';
import { resolveSources } from '../../data/sources.js';
import { describeData, type DataStats } from '../../data/stats.js';
import type { IssueSummary } from '../../data/issues.js';
import type { Command } from '../command.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Load and validate a data directory (event_log, user_catalog, ad_catalog, optional test_event_log; CSV or Parquet) and report row counts, label rates, vocabularies and every validation problem.',
  positionals: [{ name: 'DIR', help: 'directory with the input tables', required: true }],
  options: [
    { name: 'on-bad-row', type: 'string', choices: ['fail', 'skip'], default: 'fail', help: 'fail on the first bad row, or drop bad rows and report them' },
    { name: 'top', type: 'int', min: 1, default: 10, help: 'values shown per vocabulary' },
  ],
  async run(args, ctx) {
    const sources = resolveSources(args.positionals[0]);
    let data;
    try {
      data = await loadData(sources, { onBadRow: args.requireString('on-bad-row') as OnBadRow });
    } catch (e) {
      if (isAdrankError(e) && Array.isArray(e.details)) ctx.print(formatIssues(e.details as IssueSummary[]));
      throw e;
    }
    try {
      const stats = await describeData(data, args.number('top'));
      ctx.print(formatStats(stats));
      ctx.print(formatIssues(data.report.issues));
      return { validation: data.report, stats };
    } finally {
      data.db.close();
    }
  },
};

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export function formatStats(s: DataStats): string {
  const lines = [
    `users ${s.counts.users}, ads ${s.counts.ads}, training events ${s.counts.events}, held-out events ${s.counts.testEvents}${s.hasEventTime ? ' (ordered by event_time)' : ''}`,
    `training: CTR ${pct(s.train.ctr)}, CVR given click ${pct(s.train.cvrGivenClick)}, conversions per impression ${pct(s.train.conversionsPerImpression)}, ${s.train.distinctUsers} users, ${s.train.distinctAds} ads`,
  ];
  if (s.test) {
    lines.push(`held-out: CTR ${pct(s.test.ctr)}, CVR given click ${pct(s.test.cvrGivenClick)}, ${s.test.distinctUsers} users (${s.testUsersUnseenInTraining} unseen in training), ${s.test.distinctAds} ads (${s.testAdsUnseenInTraining} unseen)`);
  }
  lines.push(`catalogue coverage: ${s.usersWithoutEvents} users and ${s.adsWithoutEvents} ads have no training events`);
  lines.push('vocabularies:');
  for (const [column, v] of Object.entries(s.vocabularies)) {
    const shown = v.top.map((t) => `${t.value} (${t.count})`).join(', ');
    lines.push(`  ${column.padEnd(14)} ${String(v.distinct).padStart(6)} values: ${shown}${v.distinct > v.top.length ? ', …' : ''}`);
  }
  return lines.join('\n');
}

export function formatIssues(issues: IssueSummary[]): string {
  if (!issues.length) return 'validation: no problems';
  const lines = [`validation: ${issues.reduce((n, i) => n + i.count, 0)} problems`];
  for (const i of issues) {
    const examples = i.examples.map((e) => `row ${e.row}: ${JSON.stringify(e.value)}`).join('; ');
    lines.push(`  [${i.code}] ${i.table} column ${i.column || '-'}: ${i.problem} × ${i.count} (${examples})`);
    lines.push(`      file ${i.file}`);
    lines.push(`      hint: ${i.hint}`);
  }
  return lines.join('\n');
}
