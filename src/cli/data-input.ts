// What every command that reads a data directory shares: the --format and --on-bad-row options, loading
// with the validation report printed (all problems when failing, dropped rows when skipping), and the
// lines that name the files read.
import { isAdrankError } from '../core/errors.js';
import type { IssueSummary } from '../data/issues.js';
import { loadData, type LoadedData, type OnBadRow, type ValidationReport } from '../data/load.js';
import { resolveSources, type DataSources, type FileFormat } from '../data/sources.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { CommandContext } from './command.js';

export const DATA_OPTIONS: readonly OptionSpec[] = [
  { name: 'format', type: 'string', choices: ['csv', 'parquet'], help: 'read the tables in this format (needed when the directory holds a table both as CSV and as Parquet)' },
  { name: 'on-bad-row', type: 'string', choices: ['fail', 'skip'], default: 'fail', help: 'fail on bad input rows (after validating every table), or drop them and report' },
];

/** The tables of data directory `dir`, in the format --format asks for. */
export function dataSources(dir: string, args: ParsedArgs): DataSources {
  return resolveSources(dir, {}, { format: args.string('format') as FileFormat | undefined });
}

/** Loads and validates; prints the files read and the problems found, also when loading fails. */
export async function loadForCommand(sources: DataSources, args: ParsedArgs, ctx: CommandContext): Promise<LoadedData> {
  let data: LoadedData;
  try {
    data = await loadData(sources, { onBadRow: args.requireString('on-bad-row') as OnBadRow });
  } catch (e) {
    if (isAdrankError(e) && Array.isArray(e.details)) ctx.print(formatIssues(e.details as IssueSummary[]));
    throw e;
  }
  ctx.print(formatSources(data.report));
  const dropped = data.report.tables.reduce((n, t) => n + t.rowsDropped, 0);
  if (dropped) ctx.print(`dropped ${dropped} row${dropped > 1 ? 's' : ''} with problems (--on-bad-row skip):`);
  if (data.report.issues.length) ctx.print(formatIssues(data.report.issues));
  return data;
}

export function formatSources(report: ValidationReport): string {
  const lines = ['read:'];
  for (const t of report.tables) {
    const dropped = t.rowsDropped ? `, ${t.rowsDropped} dropped` : '';
    lines.push(`  ${t.table.padEnd(15)} ${t.file} (${t.format}, ${t.rowsKept} rows${dropped})`);
  }
  return lines.join('\n');
}

export function formatIssues(issues: IssueSummary[]): string {
  if (!issues.length) return 'validation: no problems';
  const total = issues.reduce((n, i) => n + i.count, 0);
  const lines = [`validation: ${total} problem${total > 1 ? 's' : ''}`];
  for (const i of issues) {
    const examples = i.examples.map((e) => `row ${e.row}: ${JSON.stringify(e.value)}`).join('; ');
    const more = i.count > i.examples.length ? '; …' : '';
    lines.push(`  [${i.code}] ${i.table} column ${i.column || '-'}: ${i.problem} × ${i.count} (${examples}${more})`);
    lines.push(`      file ${i.file}`);
    lines.push(`      hint: ${i.hint}`);
  }
  return lines.join('\n');
}
