// Checks a ReportData before it is rendered: every problem is a BAD_ARGUMENT naming the field's path
// (`sections[2].charts[0].series[1].x[7]`), the value and what to do, so no report is half-drawn.
import { AdrankError } from '../../core/errors.js';
import type { BarChart, CellRole, LineChart, ReportData, ReportSection, ReportTable } from '../report-data.js';

const ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ROLES: readonly CellRole[] = ['model', 'baseline', 'oracle', 'seed', 'segment', 'warn'];
const FORMATS = ['text', 'int', 'fixed4', 'fixed3', 'percent', 'seconds'];

function fail(field: string, message: string, value: unknown, hint: string): never {
  // numbers as String() shows them: JSON would print NaN and Infinity as null
  const shown = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
  throw new AdrankError('BAD_ARGUMENT', `report data: ${message}`, { location: { field, value: shown.slice(0, 80) }, hint });
}

/** The array at `field` (an optional one may be absent); anything else is an error. */
function list<T>(field: string, value: T[] | undefined, optional = false): T[] {
  if (value === undefined && optional) return [];
  if (!Array.isArray(value)) fail(field, 'expected an array', value, optional ? 'pass an array or leave it out' : 'pass an array (it may be empty)');
  return value;
}

function checkText(field: string, value: unknown): void {
  if (typeof value !== 'string') fail(field, 'expected a string', value, 'pass plain text');
}

function checkRole(field: string, role: unknown): void {
  if (role !== undefined && !ROLES.includes(role as CellRole)) fail(field, 'unknown role', role, `use one of ${ROLES.join(', ')}`);
}

/** `prefix` names the element: chart elements are chart-<id>, so they share the anchors' namespace. */
function checkId(field: string, id: unknown, seen: Set<string>, prefix = ''): void {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    fail(field, 'an id must be a letter followed by letters, digits, "-" or "_"', id, 'use a short slug such as "roc-ctr"');
  }
  if (seen.has(prefix + id)) fail(field, 'duplicate id', id, 'give every section and every chart its own id');
  seen.add(prefix + id);
}

function checkRange(field: string, range: unknown, log: boolean | undefined): void {
  if (range === undefined) return;
  const ok = Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] < range[1];
  if (!ok) fail(field, 'a range is [min, max] with finite min < max', range, 'omit it to fit the data');
  if (log && range[0] <= 0) fail(field, 'a log axis range must be positive', range, 'start the range above 0');
}

function checkTable(path: string, table: ReportTable): void {
  if (table.title !== undefined) checkText(`${path}.title`, table.title);
  if (list(`${path}.columns`, table.columns).length === 0) fail(`${path}.columns`, 'a table needs columns', table.columns, 'add at least one column');
  table.columns.forEach((column, c) => {
    checkText(`${path}.columns[${c}].label`, column.label);
    if (column.format !== undefined && !FORMATS.includes(column.format)) {
      fail(`${path}.columns[${c}].format`, 'unknown format', column.format, `use one of ${FORMATS.join(', ')}`);
    }
    if (column.better !== undefined && column.better !== 'higher' && column.better !== 'lower') {
      fail(`${path}.columns[${c}].better`, 'better is "higher" or "lower"', column.better, 'omit it for columns without a best value');
    }
  });
  list(`${path}.rows`, table.rows).forEach((row, r) => {
    const field = `${path}.rows[${r}]`;
    if (!Array.isArray(row.cells) || row.cells.length !== table.columns.length) {
      fail(`${field}.cells`, `expected ${table.columns.length} cells, one per column`, row.cells?.length, 'use null for a missing value');
    }
    row.cells.forEach((cell, c) => {
      if (cell !== null && typeof cell !== 'string' && typeof cell !== 'number') fail(`${field}.cells[${c}]`, 'a cell is a string, a number or null', cell, 'use null for a missing value');
    });
    checkRole(`${field}.role`, row.role);
    if (row.note !== undefined) checkText(`${field}.note`, row.note);
  });
}

function checkLineChart(path: string, chart: LineChart): void {
  checkText(`${path}.xLabel`, chart.xLabel);
  checkText(`${path}.yLabel`, chart.yLabel);
  checkRange(`${path}.xRange`, chart.xRange, chart.xLog);
  checkRange(`${path}.yRange`, chart.yRange, chart.yLog);
  chart.series.forEach((series, s) => {
    const field = `${path}.series[${s}]`;
    checkText(`${field}.label`, series.label);
    checkRole(`${field}.role`, series.role);
    if (!Array.isArray(series.x) || series.x.length === 0) fail(`${field}.x`, 'a series needs at least one point', series.x, 'leave out series without points');
    series.x.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) fail(`${field}.x[${i}]`, 'x must be a finite number', x, 'drop the point');
      if (chart.xLog && x <= 0) fail(`${field}.x[${i}]`, 'x must be > 0 on a log axis', x, 'drop the point or use a linear x axis');
      if (i > 0 && x < series.x[i - 1]) fail(`${field}.x[${i}]`, 'x must be ascending', x, 'sort the points by x (ties are kept in order)');
    });
    if (!Array.isArray(series.y) || series.y.length !== series.x.length) fail(`${field}.y`, `expected ${series.x.length} y values, one per x`, series.y?.length, 'use null for a gap');
    series.y.forEach((y, i) => {
      if (y !== null && typeof y !== 'number') fail(`${field}.y[${i}]`, 'y is a number or null', y, 'use null for a gap');
    });
    if (series.band) {
      for (const edge of ['lower', 'upper'] as const) {
        const values = series.band[edge];
        if (!Array.isArray(values) || values.length !== series.x.length) fail(`${field}.band.${edge}`, `expected ${series.x.length} values, one per x`, values?.length, 'give the band an edge value for every point');
      }
    }
  });
}

function checkBarChart(path: string, chart: BarChart): void {
  checkText(`${path}.yLabel`, chart.yLabel);
  if (list(`${path}.categories`, chart.categories).length === 0) fail(`${path}.categories`, 'a bar chart needs categories', chart.categories, 'add at least one category');
  chart.categories.forEach((category, c) => checkText(`${path}.categories[${c}]`, category));
  chart.series.forEach((series, s) => {
    const field = `${path}.series[${s}]`;
    checkText(`${field}.label`, series.label);
    checkRole(`${field}.role`, series.role);
    if (!Array.isArray(series.values) || series.values.length !== chart.categories.length) {
      fail(`${field}.values`, `expected ${chart.categories.length} values, one per category`, series.values?.length, 'use 0 for an empty bar');
    }
    series.values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${field}.values[${i}]`, 'a bar value must be a finite number', v, 'use 0 for an empty bar');
    });
  });
}

function checkSection(path: string, section: ReportSection, ids: Set<string>): void {
  checkId(`${path}.id`, section.id, ids);
  checkText(`${path}.title`, section.title);
  list(`${path}.paragraphs`, section.paragraphs, true).forEach((p, i) => checkText(`${path}.paragraphs[${i}]`, p));
  list(`${path}.tables`, section.tables, true).forEach((table, t) => checkTable(`${path}.tables[${t}]`, table));
  list(`${path}.charts`, section.charts, true).forEach((chart, c) => {
    const field = `${path}.charts[${c}]`;
    checkId(`${field}.id`, chart.id, ids, 'chart-');
    checkText(`${field}.title`, chart.title);
    if (!Array.isArray(chart.series) || chart.series.length === 0) fail(`${field}.series`, 'a chart needs at least one series', chart.series, 'leave out charts without data');
    if (chart.kind === 'line') checkLineChart(field, chart);
    else if (chart.kind === 'bar') checkBarChart(field, chart);
    else fail(`${field}.kind`, 'unknown chart kind', (chart as { kind: unknown }).kind, 'use "line" or "bar"');
  });
}

/** Throws an AdrankError (BAD_ARGUMENT) at the first problem; returns nothing when the data can be rendered. */
export function validateReportData(data: ReportData): void {
  checkText('title', data.title);
  if (data.subtitle !== undefined) checkText('subtitle', data.subtitle);
  list('meta', data.meta).forEach((m, i) => {
    checkText(`meta[${i}].label`, m.label);
    checkText(`meta[${i}].value`, m.value);
  });
  const ids = new Set<string>();
  list('sections', data.sections).forEach((section, s) => checkSection(`sections[${s}]`, section, ids));
}
