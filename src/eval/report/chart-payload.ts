// Turns a chart of the report's contract into the plain JSON the page script hands to uPlot: aligned x, colours
// by role, dashes, bands as pairs of hidden edge series, and values cleaned for the axis (gaps for non-finite
// values and for values ≤ 0 on a log axis). Numbers are kept to 6 significant digits, far finer than a pixel.
import type { BarChart, LineChart, LineSeries, ReportChart } from '../report-data.js';
import { alignGrids } from './align.js';
import { ColourAssigner, withAlpha } from './palette.js';

export interface LinePayloadSeries {
  label: string;
  color: string;
  width: number;
  dash: number[] | null;
  points: boolean;
  /** band edges are drawn only as the band's fill, and kept out of the legend */
  bandEdgeOf: number | null;
  /** (N_s) slots in the aligned x of this series' points, and their values */
  slots: number[];
  y: (number | null)[];
}

export interface LinePayload {
  kind: 'line';
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  xRange: [number, number] | null;
  yRange: [number, number] | null;
  diagonal: boolean;
  /** (A) the aligned x */
  x: number[];
  series: LinePayloadSeries[];
  /** indices into `series`: the band is filled between upper and lower */
  bands: { upper: number; lower: number; fill: string }[];
}

export interface BarPayload {
  kind: 'bar';
  id: string;
  title: string;
  yLabel: string;
  horizontal: boolean;
  categories: string[];
  series: { label: string; color: string; values: number[] }[];
}

export type ChartPayload = LinePayload | BarPayload;

const DASH = [7, 5];

export function roundForPlot(value: number): number {
  return Number(value.toPrecision(6));
}

function cleanY(value: number | null, log: boolean): number | null {
  if (value === null || !Number.isFinite(value) || (log && value <= 0)) return null;
  return roundForPlot(value);
}

/** A value with no drawn neighbour (a single point, or one between gaps) is invisible without a marker. */
function hasIsolatedPoint(y: (number | null)[]): boolean {
  return y.some((v, i) => v !== null && (i === 0 || y[i - 1] === null) && (i === y.length - 1 || y[i + 1] === null));
}

function linePayload(chart: LineChart): LinePayload {
  const colours = new ColourAssigner();
  const bandCount = chart.series.filter((s) => s.band).length;
  const series: LinePayloadSeries[] = [];
  const bands: LinePayload['bands'] = [];
  const xs: number[][] = [];
  const add = (entry: Omit<LinePayloadSeries, 'slots'>, x: number[]): number => {
    series.push({ ...entry, slots: [] });
    xs.push(x);
    return series.length - 1;
  };
  // band edges come first so that every line is drawn over every band
  const lineColours = chart.series.map((s) => colours.next(s.role));
  chart.series.forEach((s: LineSeries, i) => {
    if (!s.band) return;
    const owner = bandCount * 2 + i;
    const x = s.x.map(roundForPlot);
    const edge = { label: `${s.label} band`, color: 'transparent', width: 0, dash: null, points: false, bandEdgeOf: owner };
    const upper = add({ ...edge, y: s.band.upper.map((v) => cleanY(v, !!chart.yLog)) }, x);
    const lower = add({ ...edge, y: s.band.lower.map((v) => cleanY(v, !!chart.yLog)) }, x);
    bands.push({ upper, lower, fill: withAlpha(lineColours[i], 0.18) });
  });
  chart.series.forEach((s, i) => {
    const y = s.y.map((v) => cleanY(v, !!chart.yLog));
    add({
      label: s.label,
      color: lineColours[i],
      width: s.role === 'model' ? 2.5 : 2,
      dash: s.dashed ? DASH : null,
      points: !!s.points || hasIsolatedPoint(y),
      bandEdgeOf: null,
      y,
    }, s.x.map(roundForPlot));
  });
  const grid = alignGrids(xs);
  grid.slots.forEach((slots, s) => (series[s].slots = Array.from(slots)));
  return {
    kind: 'line',
    id: chart.id,
    title: chart.title,
    xLabel: chart.xLabel,
    yLabel: chart.yLabel,
    xLog: !!chart.xLog,
    yLog: !!chart.yLog,
    xRange: chart.xRange ?? null,
    yRange: chart.yRange ?? null,
    diagonal: !!chart.diagonal,
    x: grid.x,
    series,
    bands,
  };
}

function barPayload(chart: BarChart): BarPayload {
  const colours = new ColourAssigner();
  return {
    kind: 'bar',
    id: chart.id,
    title: chart.title,
    yLabel: chart.yLabel,
    horizontal: !!chart.horizontal,
    categories: chart.categories,
    series: chart.series.map((s) => ({ label: s.label, color: colours.next(s.role), values: s.values.map(roundForPlot) })),
  };
}

/** The page script's input for one chart (the chart must have passed validateReportData). */
export function chartPayload(chart: ReportChart): ChartPayload {
  return chart.kind === 'line' ? linePayload(chart) : barPayload(chart);
}
