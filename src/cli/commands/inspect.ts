// adrank inspect DIR: load and validate a data directory, then show the files read, sizes, rates and vocabularies.
import { describeData, type DataStats } from '../../data/stats.js';
import type { Command } from '../command.js';
import { DATA_OPTIONS, dataSources, formatIssues, loadForCommand } from '../data-input.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Load and validate a data directory (event_log, user_catalog, ad_catalog, optional test_event_log; CSV or Parquet) and report the files read, row counts, label rates, vocabularies and every validation problem.',
  positionals: [{ name: 'DIR', help: 'directory with the input tables', required: true }],
  options: [
    ...DATA_OPTIONS,
    { name: 'top', type: 'int', min: 1, default: 10, help: 'values shown per vocabulary' },
  ],
  async run(args, ctx) {
    const data = await loadForCommand(dataSources(args.positionals[0], args), args, ctx);
    try {
      const stats = await describeData(data, args.number('top'));
      ctx.print(formatStats(stats));
      if (!data.report.issues.length) ctx.print(formatIssues([]));
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
