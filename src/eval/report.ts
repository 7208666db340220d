// The run report: one self-contained HTML file (styles, uPlot, chart data and the page script inlined; a
// Content-Security-Policy that forbids every request) rendered from a ReportData of sections, tables and charts.
import { writeFileAtomic } from '../core/atomic-write.js';
import type { ReportChart, ReportData, ReportSection } from './report-data.js';
import { chartLibrary } from './report/assets.js';
import { chartPayload } from './report/chart-payload.js';
import { CLIENT_SCRIPT } from './report/client-script.js';
import { escapeHtml, jsonForScript } from './report/format.js';
import { reportStyles } from './report/styles.js';
import { renderTable } from './report/table.js';
import { validateReportData } from './report/validate.js';

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

function renderChart(chart: ReportChart): string {
  return `<figure class="chart" id="chart-${chart.id}" aria-label="${escapeHtml(chart.title)}">` +
    `<figcaption>${escapeHtml(chart.title)}</figcaption><div class="chart-plot"></div>` +
    '<noscript><p class="chart-error">Charts need JavaScript.</p></noscript></figure>';
}

function renderSection(section: ReportSection): string {
  const parts = [`<section id="${section.id}">`, `<h2>${escapeHtml(section.title)}</h2>`];
  for (const paragraph of section.paragraphs ?? []) parts.push(`<p>${escapeHtml(paragraph)}</p>`);
  for (const table of section.tables ?? []) parts.push(renderTable(table));
  const charts = section.charts ?? [];
  if (charts.length) parts.push(`<div class="charts">${charts.map(renderChart).join('\n')}</div>`);
  parts.push('</section>');
  return parts.join('\n');
}

function renderHeader(data: ReportData): string {
  const subtitle = data.subtitle ? `<p class="subtitle">${escapeHtml(data.subtitle)}</p>` : '';
  const meta = data.meta.length
    ? `<dl class="meta">${data.meta.map((m) => `<dt>${escapeHtml(m.label)}</dt><dd>${escapeHtml(m.value)}</dd>`).join('')}</dl>`
    : '';
  const toc = data.sections.length
    ? `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${data.sections
        .map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`)
        .join('')}</ol></nav>`
    : '';
  return `<header><h1>${escapeHtml(data.title)}</h1>${subtitle}${meta}</header>\n${toc}`;
}

/** The report as one HTML document. Throws BAD_ARGUMENT (with the field's path) on data it cannot draw. */
export function renderReport(data: ReportData): string {
  validateReportData(data);
  const library = chartLibrary();
  const payloads = data.sections.flatMap((s) => (s.charts ?? []).map(chartPayload));
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${library.css}</style>`,
    `<style>${reportStyles()}</style>`,
    '</head>',
    '<body>',
    '<div class="page">',
    renderHeader(data),
    `<main>\n${data.sections.map(renderSection).join('\n')}\n</main>`,
    `<footer>Self-contained: charts drawn with uPlot ${escapeHtml(library.version)} (MIT License, inlined); this file makes no network request.</footer>`,
    '</div>',
    `<script type="application/json" id="report-charts">${jsonForScript(payloads)}</script>`,
    `<script>/*! uPlot ${library.version}\n${library.licenseText}\n*/\n${library.script}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Renders and writes the report atomically (a temp file renamed into place); returns its size in bytes. */
export async function writeReport(path: string, data: ReportData): Promise<number> {
  const html = renderReport(data);
  await writeFileAtomic(path, html);
  return Buffer.byteLength(html);
}
