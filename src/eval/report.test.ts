// The HTML report in Node: document structure, escaping of hostile text, the chart payloads of every chart
// kind (fixture of a typical CTR run), validation errors with their field paths, and atomic writing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { AdrankError } from '../core/errors.js';
import { rocAuc } from './metrics.js';
import { renderReport, writeReport } from './report.js';
import type { LineChart, ReportChart, ReportData } from './report-data.js';
import { resolvePackageFile } from './report/assets.js';
import { chartPayload, type BarPayload, type LinePayload } from './report/chart-payload.js';
import { rocCorners, sampleScoredLog } from './report/fixture-curves.js';
import { typicalCtrRunReport } from './report/fixture.js';
import { ROLE_PALETTES } from './report/palette.js';
import { Rng } from '../core/rng.js';

const HOSTILE = '</script><img src=x onerror="alert(1)"><!--';

function chartsOf(data: ReportData): ReportChart[] {
  return data.sections.flatMap((s) => s.charts ?? []);
}

function embeddedPayloads(html: string): (LinePayload | BarPayload)[] {
  const match = /<script type="application\/json" id="report-charts">([^<]*)<\/script>/.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]) as (LinePayload | BarPayload)[];
}

function hostileReport(): ReportData {
  return {
    title: HOSTILE,
    subtitle: HOSTILE,
    meta: [{ label: HOSTILE, value: HOSTILE }],
    sections: [
      {
        id: 'hostile',
        title: HOSTILE,
        paragraphs: [HOSTILE],
        tables: [{ title: HOSTILE, columns: [{ label: HOSTILE }], rows: [{ cells: [HOSTILE], note: HOSTILE }] }],
        charts: [
          { kind: 'line', id: 'l', title: HOSTILE, xLabel: HOSTILE, yLabel: HOSTILE, series: [{ label: HOSTILE, x: [0, 1], y: [0, 1] }] },
          { kind: 'bar', id: 'b', title: HOSTILE, yLabel: HOSTILE, categories: [HOSTILE], series: [{ label: HOSTILE, values: [1] }] },
        ],
      },
    ],
  };
}

describe('renderReport', () => {
  const data = typicalCtrRunReport();
  const html = renderReport(data);

  it('is one self-contained document: inlined uPlot, a CSP that forbids requests, no external reference', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    expect(html).toContain(readFileSync(resolvePackageFile('uplot/dist/uPlot.iife.min.js'), 'utf8'));
    expect(html).toContain('Copyright (c) 2022 Leon Sorokin');
    expect(html).not.toMatch(/\ssrc=/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBe(data.sections.length);
    expect(hrefs.every((h) => h.startsWith('#'))).toBe(true);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('has a table of contents of every section and a box for every chart', () => {
    for (const section of data.sections) {
      expect(html).toContain(`<a href="#${section.id}">${section.title.replace(/&/g, '&amp;')}</a>`);
      expect(html).toContain(`<section id="${section.id}">`);
    }
    const charts = chartsOf(data);
    expect(charts.length).toBe(9);
    for (const chart of charts) expect(html).toContain(`<figure class="chart" id="chart-${chart.id}"`);
    expect(embeddedPayloads(html).map((p) => p.id)).toEqual(charts.map((c) => c.id));
  });

  it('is deterministic for a seed', () => {
    expect(renderReport(typicalCtrRunReport())).toBe(html);
    expect(renderReport(typicalCtrRunReport(8))).not.toBe(html);
  });

  it('keeps hostile text as text everywhere and intact in the chart data', () => {
    const out = renderReport(hostileReport());
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<!--');
    expect(out.match(/<\/script>/g)).toHaveLength(3);
    expect(out).toContain('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;!--');
    const [line, bar] = embeddedPayloads(out) as [LinePayload, BarPayload];
    expect(line.series[0].label).toBe(HOSTILE);
    expect(line.xLabel).toBe(HOSTILE);
    expect(bar.categories).toEqual([HOSTILE]);
  });
});

describe('chart payloads of a typical CTR run', () => {
  const charts = new Map(chartsOf(typicalCtrRunReport()).map((c) => [c.id, c]));
  const line = (id: string) => chartPayload(charts.get(id)!) as LinePayload;

  it('ROC: model, baseline and oracle on different grids, vertical steps kept, role colours apart', () => {
    const roc = line('roc-ctr');
    const source = charts.get('roc-ctr') as LineChart;
    expect(new Set(source.series.map((s) => s.x.length)).size).toBe(3);
    expect(roc.diagonal).toBe(true);
    roc.series.forEach((s, i) => {
      expect(s.slots).toHaveLength(source.series[i].x.length);
      s.slots.forEach((slot, k) => expect(roc.x[slot]).toBeCloseTo(source.series[i].x[k], 6));
    });
    expect(roc.x.some((x, i) => i > 0 && x === roc.x[i - 1])).toBe(true);
    expect(roc.series.map((s) => s.color)).toEqual([ROLE_PALETTES.model[0], ROLE_PALETTES.baseline[0], ROLE_PALETTES.oracle[0]]);
    expect(roc.series[2].dash).not.toBeNull();
  });

  it('reliability on log axes: a bin without clicks becomes a gap', () => {
    const before = line('reliability-before');
    expect(before.xLog && before.yLog).toBe(true);
    const source = charts.get('reliability-before') as LineChart;
    const zeros = source.series[0].y.filter((y) => y === 0).length;
    expect(before.series[0].y.filter((y) => y === null).length).toBe(zeros);
    expect(before.series[0].y.every((y) => y === null || y > 0)).toBe(true);
  });

  it('training curves keep a skipped epoch as a gap; recall@k uses a log x', () => {
    const cvr = line('training-cvr');
    expect(cvr.x).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(cvr.series[1].y[4]).toBeNull();
    expect(line('recall-at-k').xLog).toBe(true);
  });

  it('bands: two hidden edge series per band, first, then the lines', () => {
    const revenue = line('revenue-per-day');
    expect(revenue.series.map((s) => s.bandEdgeOf)).toEqual([4, 4, 5, 5, null, null]);
    expect(revenue.bands).toEqual([
      { upper: 0, lower: 1, fill: expect.stringMatching(/^rgba\(/) },
      { upper: 2, lower: 3, fill: expect.stringMatching(/^rgba\(/) },
    ]);
    const upper = revenue.series[0].y as number[];
    const middle = revenue.series[4].y as number[];
    const lower = revenue.series[1].y as number[];
    middle.forEach((y, i) => {
      expect(lower[i]).toBeLessThan(y);
      expect(upper[i]).toBeGreaterThan(y);
    });
  });

  it('bars: one value per category and series, colours by role', () => {
    const stages = chartPayload(charts.get('stage-seconds')!) as BarPayload;
    expect(stages.horizontal).toBe(true);
    expect(stages.series[0].values).toHaveLength(stages.categories.length);
    const devices = chartPayload(charts.get('ctr-by-device')!) as BarPayload;
    expect(devices.series.map((s) => s.color)).toEqual([ROLE_PALETTES.oracle[0], ROLE_PALETTES.model[0]]);
  });

  it('gives every series of a chart its own colour, beyond the palettes too', () => {
    const many = (role?: 'model'): LineChart => ({ kind: 'line', id: 'c', title: 't', xLabel: 'x', yLabel: 'y',
      series: Array.from({ length: 14 }, (_, i) => ({ label: `s${i}`, x: [0, 1], y: [0, i], role })) });
    for (const role of [undefined, 'model'] as const) {
      const colours = (chartPayload(many(role)) as LinePayload).series.map((s) => s.color);
      expect(new Set(colours).size).toBe(14);
      expect(colours.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
    }
  });

  it('marks isolated points, which a line alone would not show', () => {
    const chart: LineChart = { kind: 'line', id: 'c', title: 't', xLabel: 'x', yLabel: 'y', series: [
      { label: 'line', x: [1, 2, 3], y: [1, 2, 3] },
      { label: 'isolated', x: [1, 2, 3], y: [1, null, 3] },
      { label: 'single', x: [1], y: [2] },
    ] };
    expect((chartPayload(chart) as LinePayload).series.map((s) => s.points)).toEqual([false, true, true]);
  });

  it('non-finite y values become gaps', () => {
    const chart: LineChart = { kind: 'line', id: 'c', title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 's', x: [1, 2, 3], y: [1, Number.NaN, Number.POSITIVE_INFINITY] }] };
    expect((chartPayload(chart) as LinePayload).series[0].y).toEqual([1, null, null]);
  });
});

describe('the fixture ROC curve', () => {
  it('encloses the same area as rocAuc', () => {
    const log = sampleScoredLog(new Rng(3), 3000);
    const { fpr, tpr } = rocCorners(log.modelLogit, log.labels);
    let area = 0;
    for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
    expect(area).toBeCloseTo(rocAuc(log.modelLogit, log.labels), 10);
    expect(fpr[fpr.length - 1]).toBe(1);
    expect(tpr[tpr.length - 1]).toBe(1);
  });
});

function withChart(chart: ReportChart): ReportData {
  return { title: 't', meta: [], sections: [{ id: 's', title: 's', charts: [chart] }] };
}

function expectBadArgument(data: ReportData, field: string): AdrankError {
  try {
    renderReport(data);
  } catch (e) {
    expect(e).toBeInstanceOf(AdrankError);
    const error = e as AdrankError;
    expect(error.code).toBe('BAD_ARGUMENT');
    expect(error.location.field).toBe(field);
    expect(error.hint).not.toBe('');
    return error;
  }
  throw new Error(`no error for ${field}`);
}

describe('report data errors', () => {
  const line = (series: LineChart['series'], extra: Partial<LineChart> = {}): ReportData =>
    withChart({ kind: 'line', id: 'c', title: 't', xLabel: 'x', yLabel: 'y', series, ...extra });

  it('names the field of a bad line series', () => {
    expectBadArgument(line([{ label: 'a', x: [0, 1, 2], y: [0, 1] }]), 'sections[0].charts[0].series[0].y');
    expectBadArgument(line([{ label: 'a', x: [0, 2, 1], y: [0, 1, 2] }]), 'sections[0].charts[0].series[0].x[2]');
    expectBadArgument(line([{ label: 'a', x: [0, Number.NaN], y: [0, 1] }]), 'sections[0].charts[0].series[0].x[1]');
    expectBadArgument(line([{ label: 'a', x: [0, 1], y: [0, 1] }], { xLog: true }), 'sections[0].charts[0].series[0].x[0]');
    expectBadArgument(line([{ label: 'a', x: [1, 2], y: [0, 1], band: { lower: [0], upper: [1, 2] } }]), 'sections[0].charts[0].series[0].band.lower');
    expectBadArgument(line([{ label: 'a', x: [], y: [] }]), 'sections[0].charts[0].series[0].x');
    expectBadArgument(line([]), 'sections[0].charts[0].series');
    expectBadArgument(line([{ label: 'a', x: [1], y: [1] }], { yRange: [1, 0] }), 'sections[0].charts[0].yRange');
    expectBadArgument(line([{ label: 'a', x: [1], y: [1], role: 'hero' as never }]), 'sections[0].charts[0].series[0].role');
  });

  it('names the field of a bad bar chart, table or id', () => {
    const bar = (values: number[]): ReportData =>
      withChart({ kind: 'bar', id: 'b', title: 't', yLabel: 'y', categories: ['a', 'b'], series: [{ label: 's', values }] });
    expectBadArgument(bar([1]), 'sections[0].charts[0].series[0].values');
    const nan = expectBadArgument(bar([1, Number.NaN]), 'sections[0].charts[0].series[0].values[1]');
    expect(nan.location.value).toBe('NaN');
    const table = (cells: (string | number | null)[]): ReportData => ({
      title: 't', meta: [], sections: [{ id: 's', title: 's', tables: [{ columns: [{ label: 'a' }, { label: 'b', format: 'fixed4' }], rows: [{ cells }] }] }],
    });
    expectBadArgument(table(['x']), 'sections[0].tables[0].rows[0].cells');
    expectBadArgument({ title: 't', meta: [], sections: [{ id: 's', title: 'a' }, { id: 's', title: 'b' }] }, 'sections[1].id');
    expectBadArgument({ title: 't', meta: [], sections: [{ id: '1st', title: 'a' }] }, 'sections[0].id');
    const clash: ReportData = { title: 't', meta: [], sections: [{ id: 'chart-c', title: 'a' }, ...line([{ label: 'a', x: [1], y: [1] }]).sections] };
    expectBadArgument(clash, 'sections[1].charts[0].id');
    expectBadArgument({ title: 't', meta: [], sections: [{ id: 's', title: 's', tables: [{ columns: [{ label: 'a' }] } as never] }] }, 'sections[0].tables[0].rows');
    expectBadArgument({ title: 't', meta: {} as never, sections: [] }, 'meta');
  });

  it('fails clearly when a library file is missing', () => {
    expect(() => resolvePackageFile('uplot/dist/no-such-build.js')).toThrowError(AdrankError);
    try {
      resolvePackageFile('uplot/dist/no-such-build.js');
    } catch (e) {
      expect((e as AdrankError).code).toBe('FILE_NOT_FOUND');
      expect((e as AdrankError).hint).toContain('npm ci');
    }
  });
});

describe('writeReport', () => {
  const dir = tempDir('adrank-report-');

  it('writes the document through a temporary file and leaves nothing else', async () => {
    const path = join(dir, 'run', 'report.html');
    const bytes = await writeReport(path, typicalCtrRunReport());
    expect(readFileSync(path, 'utf8')).toBe(renderReport(typicalCtrRunReport()));
    expect(bytes).toBe(readFileSync(path).length);
    expect(readdirSync(join(dir, 'run'))).toEqual(['report.html']);
  });

  it('keeps the previous report when the data is bad', async () => {
    const path = join(dir, 'kept.html');
    writeFileSync(path, 'previous');
    await expect(writeReport(path, { title: 't', meta: [], sections: [{ id: 'bad id', title: 'x' }] })).rejects.toThrowError(AdrankError);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.includes('kept'))).toEqual(['kept.html']);
  });
});
