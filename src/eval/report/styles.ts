// The report's style sheet: readable type on a narrow measure, a table of contents, tables whose rows carry
// their role's colour, charts in a responsive grid, and a print layout (no sticky parts, no page-split charts).
import type { CellRole } from '../report-data.js';
import { ROLE_PALETTES, withAlpha } from './palette.js';

const ROLES = Object.keys(ROLE_PALETTES) as CellRole[];

function roleRules(): string {
  return ROLES.map((role) => {
    const colour = ROLE_PALETTES[role][0];
    const background = role === 'warn' ? `background: ${withAlpha(colour, 0.08)};` : '';
    return `tr.role-${role} > td:first-child { box-shadow: inset 3px 0 0 ${colour}; }\ntr.role-${role} { ${background} }\n.role-tag.role-${role} { color: ${colour}; border-color: ${withAlpha(colour, 0.5)}; }`;
  }).join('\n');
}

export function reportStyles(): string {
  return `
:root { color-scheme: light; --ink: #1d2329; --muted: #5b6670; --rule: #dde2e6; --accent: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
.page { max-width: 1180px; margin: 0 auto; padding: 28px 24px 64px; }
header h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 4px; }
header .subtitle { color: var(--muted); margin: 0 0 16px; font-size: 1.05rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 20px; font-size: 0.9rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
nav.toc { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 16px; margin: 0 0 28px; background: #fafbfc; }
nav.toc h2 { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 0 0 4px; }
nav.toc ol { margin: 0; padding-left: 1.4em; columns: 2 260px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { margin: 0 0 36px; }
section > h2 { font-size: 1.35rem; border-bottom: 1px solid var(--rule); padding-bottom: 4px; margin: 0 0 12px; }
section > p { max-width: 78ch; margin: 0 0 10px; }
.table-wrap { overflow-x: auto; margin: 0 0 18px; }
table.report-table { border-collapse: collapse; font-size: 0.9rem; font-variant-numeric: tabular-nums; }
table.report-table caption { text-align: left; font-weight: 600; padding: 0 0 6px; }
table.report-table th, table.report-table td { padding: 4px 12px; border-bottom: 1px solid var(--rule); text-align: left; white-space: nowrap; }
table.report-table thead th { border-bottom: 2px solid #b9c1c8; font-weight: 600; }
td.num, th.num { text-align: right; }
td.na { color: #9aa3ab; }
td.best { font-weight: 700; background: #eef6ee; }
td.best::after { content: " ★"; color: #1a8f3c; font-size: 0.8em; }
tr.role-oracle td { font-style: italic; }
${roleRules()}
.role-tag { display: inline-block; margin-left: 6px; padding: 0 5px; border: 1px solid; border-radius: 3px; font-size: 0.72rem; font-style: normal; vertical-align: 1px; }
sup.note-ref { color: var(--muted); margin-left: 2px; }
ol.notes { margin: 4px 0 0; padding-left: 1.6em; font-size: 0.82rem; color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 18px 24px; }
figure.chart { margin: 0; min-width: 0; border: 1px solid var(--rule); border-radius: 6px; padding: 10px 10px 4px; }
figure.chart figcaption { font-weight: 600; margin: 0 0 4px 4px; }
.chart-plot { width: 100%; min-height: 40px; overflow-x: auto; }
.chart-plot .u-legend { font-size: 0.8rem; text-align: left; }
.chart-plot .u-legend .u-series > * { padding: 1px 4px; }
.chart-error { color: #b00020; font-weight: 600; }
footer { color: var(--muted); font-size: 0.8rem; border-top: 1px solid var(--rule); padding-top: 8px; }
@media (max-width: 560px) { .page { padding: 16px 10px 40px; } .charts { grid-template-columns: 1fr; } }
@media print {
  body { font-size: 11pt; }
  .page { max-width: none; padding: 0; }
  nav.toc { background: none; }
  .charts { display: block; }
  figure.chart { break-inside: avoid; margin: 0 0 12px; }
  .table-wrap { overflow: visible; break-inside: avoid; }
  section > h2 { break-after: avoid; }
  td.best { background: none; }
}
`;
}
