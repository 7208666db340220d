// The data contract of a run's HTML report: sections of paragraphs, tables and charts. The pipeline (and later the
// drift and simulation stages) compose a ReportData; the renderer (report.ts) knows nothing about models.

export interface ReportData {
  title: string;
  subtitle?: string;
  /** run id, created at, data sizes, config, FeatureMap hash … shown as a list under the title */
  meta: { label: string; value: string }[];
  sections: ReportSection[];
}

export interface ReportSection {
  /** the section's anchor: a letter, then letters, digits, '-' or '_'; unique in the report */
  id: string;
  title: string;
  /** plain text, one paragraph each (escaped by the renderer) */
  paragraphs?: string[];
  tables?: ReportTable[];
  charts?: ReportChart[];
}

/** What a row or a series stands for; the renderer gives each role its own colour family. */
export type CellRole = 'model' | 'baseline' | 'oracle' | 'seed' | 'segment' | 'warn';

/**
 * How a numeric cell is shown. `percent` takes a fraction (0.035 → 3.50%); `seconds` picks ms, s or min;
 * without a format, integers get thousands separators and other numbers four significant digits.
 */
export type CellFormat = 'text' | 'int' | 'fixed4' | 'fixed3' | 'percent' | 'seconds';

export interface ReportColumn {
  label: string;
  format?: CellFormat;
  /** mark the best numeric cell of this column (ties: all of them); oracle rows are references, never marked */
  better?: 'higher' | 'lower';
}

export interface ReportRow {
  /** one cell per column; null, NaN and ±Infinity are shown as "–" */
  cells: (string | number | null)[];
  role?: CellRole;
  /** a footnote shown under the table, referenced from the row's first cell */
  note?: string;
}

export interface ReportTable {
  title?: string;
  columns: ReportColumn[];
  rows: ReportRow[];
}

export type ReportChart = LineChart | BarChart;

export interface LineSeries {
  label: string;
  /** ascending (ties allowed: an ROC curve's vertical steps); finite, and > 0 on a log axis */
  x: number[];
  /** one per x; null (or a non-finite value, or ≤ 0 on a log axis) leaves a gap in the line */
  y: (number | null)[];
  role?: CellRole;
  /** a marker at every point */
  points?: boolean;
  dashed?: boolean;
  /** a shaded band around the line, one lower and one upper value per x */
  band?: { lower: number[]; upper: number[] };
}

/** Series may have different x grids; the renderer aligns them. */
export interface LineChart {
  kind: 'line';
  /** unique among the report's charts, same characters as a section id */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
  /** a dashed y = x reference (ROC, reliability) */
  diagonal?: boolean;
  series: LineSeries[];
}

export interface BarSeries {
  label: string;
  /** one finite value per category */
  values: number[];
  role?: CellRole;
}

/** Grouped bars: one group per category, one bar per series. */
export interface BarChart {
  kind: 'bar';
  id: string;
  title: string;
  yLabel: string;
  categories: string[];
  series: BarSeries[];
  /** categories down the side, bars to the right (long labels such as stage names) */
  horizontal?: boolean;
}
