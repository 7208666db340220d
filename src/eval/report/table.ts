// A report table as HTML: formatted cells, the best cell of each `better` column marked, the row's role as a
// coloured rule and a tag, notes as numbered footnotes.
import type { ReportTable } from '../report-data.js';
import { escapeHtml, formatCell } from './format.js';

/** Rows holding the best value of `column` (all of them on a tie); oracle rows are references, not candidates. */
export function bestRows(table: ReportTable, column: number): Set<number> {
  const better = table.columns[column].better;
  const best = new Set<number>();
  if (!better) return best;
  let bestValue = NaN;
  table.rows.forEach((row, r) => {
    const value = row.cells[column];
    if (row.role === 'oracle' || typeof value !== 'number' || !Number.isFinite(value)) return;
    const wins = Number.isNaN(bestValue) || (better === 'higher' ? value > bestValue : value < bestValue);
    if (wins) {
      bestValue = value;
      best.clear();
    }
    if (wins || value === bestValue) best.add(r);
  });
  return best;
}

const TAGGED_ROLES = new Set(['model', 'baseline', 'oracle', 'seed', 'warn']);

export function renderTable(table: ReportTable): string {
  // a column is numeric (right-aligned) when it holds numbers and is not declared text
  const numeric = table.columns.map((col, c) => col.format !== 'text' && table.rows.some((row) => typeof row.cells[c] === 'number'));
  const best = table.columns.map((_, c) => bestRows(table, c));
  const notes: string[] = [];
  const head = table.columns
    .map((c, i) => {
      const arrow = c.better === 'higher' ? ' ↑' : c.better === 'lower' ? ' ↓' : '';
      const title = c.better ? ` title="${c.better} is better"` : '';
      return `<th scope="col"${numeric[i] ? ' class="num"' : ''}${title}>${escapeHtml(c.label)}${arrow}</th>`;
    })
    .join('');
  const body = table.rows
    .map((row, r) => {
      const cells = row.cells.map((cell, c) => {
        const classes: string[] = [];
        const text = formatCell(cell, table.columns[c].format);
        if (typeof cell !== 'string' && numeric[c]) classes.push('num');
        if (cell === null || (typeof cell === 'number' && !Number.isFinite(cell))) classes.push('na');
        if (best[c].has(r)) classes.push('best');
        let content = escapeHtml(text);
        if (c === 0) {
          if (row.role && TAGGED_ROLES.has(row.role)) content += `<span class="role-tag role-${row.role}">${row.role}</span>`;
          if (row.note !== undefined) {
            notes.push(row.note);
            content += `<sup class="note-ref">${notes.length}</sup>`;
          }
        }
        const cls = classes.length ? ` class="${classes.join(' ')}"` : '';
        const title = best[c].has(r) ? ' title="best"' : '';
        return `<td${cls}${title}>${content}</td>`;
      });
      return `<tr${row.role ? ` class="role-${row.role}"` : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  const caption = table.title ? `<caption>${escapeHtml(table.title)}</caption>` : '';
  const footnotes = notes.length ? `<ol class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ol>` : '';
  return `<div class="table-wrap"><table class="report-table">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>${footnotes}</div>`;
}
