// The report in headless Chromium with every request blocked: it loads without console or page errors, attempts
// no request, every series of every chart leaves pixels on its canvas, and a PNG is written. The checks are shown
// to catch a broken page. Skipped, loudly, only when Chromium is missing (CI installs it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { AdrankError } from '../core/errors.js';
import { renderReport, writeReport } from './report.js';
import type { LineChart, ReportChart, ReportData } from './report-data.js';
import { chromiumPath, launchChromium, screenshotProblems, screenshotReport } from './report-screenshot.js';
import { typicalCtrRunReport } from './report/fixture.js';

const browserPath = chromiumPath();
const haveChromium = existsSync(browserPath);
if (!haveChromium) {
  console.warn(`\n*** SKIPPING the report's browser tests: no Chromium at ${browserPath} (apt-get install chromium, or set ADRANK_CHROMIUM) ***\n`);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): { width: number; height: number } {
  const png = readFileSync(path);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const HOSTILE = '</script><img src=x onerror="console.error(\'escaped\')"><b>bold</b>';

describe.skipIf(!haveChromium)('report in headless Chromium', () => {
  const dir = tempDir('adrank-report-browser-');

  it('loads offline without errors and draws every series of every chart', async () => {
    const data = typicalCtrRunReport();
    const html = join(dir, 'report.html');
    await writeReport(html, data);
    const png = join(dir, 'report.png');
    const result = await screenshotReport(html, png);
    expect(result.ready).toBe(true);
    expect(result.consoleErrors).toEqual([]);
    expect(result.pageErrors).toEqual([]);
    expect(result.requests).toEqual([]);
    expect(result.failedRequests).toEqual([]);
    const ids = data.sections.flatMap((s) => (s.charts ?? []).map((c) => c.id));
    expect(result.charts.map((c) => c.id)).toEqual(ids);
    for (const chart of result.charts) {
      expect(chart.error, chart.id).toBeNull();
      expect(chart.drawn, chart.id).toBe(true);
      for (const s of chart.series) expect(s.pixels, `${chart.id}: ${s.label}`).toBeGreaterThan(50);
    }
    const revenue = result.charts.find((c) => c.id === 'revenue-per-day')!;
    expect(revenue.series.map((s) => s.label)).toEqual(['champion', 'challenger']);
    expect(screenshotProblems(result)).toEqual([]);
    const size = pngSize(png);
    expect(size.width).toBe(1280);
    expect(size.height).toBeGreaterThan(2000);
  });

  it('shows hostile labels as text', async () => {
    const data: ReportData = {
      title: HOSTILE,
      meta: [{ label: 'label', value: HOSTILE }],
      sections: [{
        id: 'x',
        title: HOSTILE,
        tables: [{ columns: [{ label: HOSTILE }], rows: [{ cells: [HOSTILE] }] }],
        charts: [{ kind: 'line', id: 'l', title: HOSTILE, xLabel: HOSTILE, yLabel: 'y', series: [{ label: HOSTILE, x: [0, 1], y: [0, 1] }] }],
      }],
    };
    const html = join(dir, 'hostile.html');
    await writeReport(html, data);
    const result = await screenshotReport(html, join(dir, 'hostile.png'));
    expect(screenshotProblems(result)).toEqual([]);
    const browser = await launchChromium(browserPath);
    try {
      const page = await browser.newPage();
      await page.setContent(readFileSync(html, 'utf8'));
      expect(await page.locator('img, b').count()).toBe(0);
      expect(await page.locator('h1').textContent()).toBe(HOSTILE);
      expect(await page.locator('.u-legend').first().textContent()).toContain(HOSTILE);
    } finally {
      await browser.close();
    }
  });

  it('reports a page that breaks: a request, a script error, an undrawn series', async () => {
    const data = typicalCtrRunReport();
    data.sections[0].charts = [
      { kind: 'line', id: 'empty', title: 'nothing to draw', xLabel: 'x', yLabel: 'y', series: [{ label: 'all gaps', x: [1, 2], y: [null, null] }] },
    ];
    const broken = renderReport(data)
      .replace('<main>', '<main><img src="https://example.invalid/pixel.png" alt="">')
      .replace('<script>/*! uPlot', '<script>throw new Error("no chart library");/*! uPlot');
    const html = join(dir, 'broken.html');
    writeFileSync(html, broken);
    const result = await screenshotReport(html, join(dir, 'broken.png'));
    const problems = screenshotProblems(result);
    expect(result.pageErrors.join('\n')).toContain('no chart library');
    // every chart fails to build without uPlot, and says so
    expect(result.charts.every((c) => !c.drawn && c.error !== null)).toBe(true);
    expect(result.requests).toEqual(['https://example.invalid/pixel.png']);
    expect(problems.some((p) => p.includes('pixel.png'))).toBe(true);
    expect(problems.some((p) => p.includes('"all gaps" drew nothing'))).toBe(true);
  });

  it('sees a series that is not drawn in an otherwise working chart', async () => {
    const data: ReportData = {
      title: 'one gap series',
      meta: [],
      sections: [{ id: 's', title: 's', charts: [{ kind: 'line', id: 'c', title: 'c', xLabel: 'x', yLabel: 'y', series: [
        { label: 'drawn', x: [0, 1, 2], y: [0, 2, 1], role: 'model' },
        { label: 'gaps only', x: [0, 1, 2], y: [null, null, null], role: 'baseline' },
      ] }] }],
    };
    const html = join(dir, 'gaps.html');
    await writeReport(html, data);
    const result = await screenshotReport(html, join(dir, 'gaps.png'));
    expect(result.consoleErrors).toEqual([]);
    expect(result.charts[0].series.map((s) => s.pixels > 0)).toEqual([true, false]);
    expect(result.charts[0].drawn).toBe(false);
  });
});

describe.skipIf(!haveChromium)('report edge cases in headless Chromium', () => {
  const dir = tempDir('adrank-report-edges-');
  const line = (id: string, series: LineChart['series'], extra: Partial<LineChart> = {}): LineChart =>
    ({ kind: 'line', id, title: id, xLabel: 'x', yLabel: 'y', series, ...extra });

  it('draws single points, isolated points, flat lines, many series, negative bars and long names', async () => {
    const charts: ReportChart[] = [
      line('single', [{ label: 'one point', x: [3], y: [0.5] }]),
      line('isolated', [{ label: 'between gaps', x: [1, 2, 3, 4, 5], y: [1, null, 2, null, 3] }]),
      line('flat', [{ label: 'constant', x: [1, 2, 3], y: [2, 2, 2] }], { yLog: true }),
      line('many', Array.from({ length: 12 }, (_, i) => ({ label: `s${i}`, x: [0, 1], y: [i, i + 1] }))),
      line('models', Array.from({ length: 5 }, (_, i) => ({ label: `m${i}`, x: [0, 1], y: [i, i + 1], role: 'model' as const }))),
      { kind: 'bar', id: 'negative', title: 'negative', yLabel: 'v', categories: ['a', 'b', 'c'], series: [{ label: 'n', values: [-1, 2, -3] }] },
      { kind: 'bar', id: 'long', title: 'long', yLabel: 'v', categories: ['a very long category name indeed', 'another long name'],
        series: [{ label: 'x', values: [1, 2], role: 'baseline' }, { label: 'y', values: [2, 1], role: 'model' }] },
      { kind: 'bar', id: 'one', title: 'one', yLabel: 'v', categories: ['only'], series: [{ label: 'v', values: [4] }], horizontal: true },
    ];
    const html = join(dir, 'edges.html');
    await writeReport(html, { title: 'edges', meta: [], sections: [{ id: 's', title: 's', charts }] });
    const result = await screenshotReport(html, join(dir, 'edges.png'));
    expect(screenshotProblems(result)).toEqual([]);
    expect(result.charts.map((c) => c.id)).toEqual(charts.map((c) => c.id));
  });
});

describe('screenshotReport without a browser', () => {
  const dir = tempDir('adrank-report-nobrowser-');

  it('fails with FILE_NOT_FOUND when Chromium is missing', async () => {
    const html = join(dir, 'report.html');
    await writeReport(html, typicalCtrRunReport());
    const error = await screenshotReport(html, join(dir, 'report.png'), { executablePath: join(dir, 'no-chromium') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdrankError);
    expect((error as AdrankError).code).toBe('FILE_NOT_FOUND');
    expect((error as AdrankError).hint).toContain('ADRANK_CHROMIUM');
    expect(existsSync(join(dir, 'report.png'))).toBe(false);
  });

  it('fails with FILE_NOT_FOUND when the report is missing', async () => {
    const error = await screenshotReport(join(dir, 'none.html'), join(dir, 'none.png')).catch((e: unknown) => e);
    expect((error as AdrankError).code).toBe('FILE_NOT_FOUND');
  });
});
