// Opens a report in headless Chromium with every network request blocked, writes a full-page PNG and says what
// it saw: console errors, page errors, requests the page attempted, and for every chart whether each of its series
// left pixels of its colour on the canvas. Uses the system's Chromium through playwright-core (no browser
// download): /usr/bin/chromium, or ADRANK_CHROMIUM, or options.executablePath.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeFileAtomic } from '../core/atomic-write.js';
import { AdrankError } from '../core/errors.js';
import { CHART_CHECK_SCRIPT, type ChartCheck } from './report/chart-check.js';

export type { ChartCheck } from './report/chart-check.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline, single-use browser (Playwright also gives it a fresh temporary profile). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ScreenshotOptions {
  /** default: $ADRANK_CHROMIUM, else /usr/bin/chromium */
  executablePath?: string;
  /** viewport in CSS pixels (default 1280 × 900); the PNG is the full page */
  width?: number;
  height?: number;
  /** how long to wait for the page and its charts (default 30 s) */
  timeoutMs?: number;
}

export interface ScreenshotResult {
  pngPath: string;
  /** the page script finished building its charts */
  ready: boolean;
  consoleErrors: string[];
  pageErrors: string[];
  /** every request the page attempted (all are aborted; a self-contained report makes none) */
  requests: string[];
  failedRequests: string[];
  charts: ChartCheck[];
}

export function chromiumPath(options: ScreenshotOptions = {}): string {
  return options.executablePath ?? process.env.ADRANK_CHROMIUM ?? DEFAULT_CHROMIUM;
}

/** Chromium through playwright-core with the flags above; FILE_NOT_FOUND when it is not installed. */
export async function launchChromium(executablePath: string = chromiumPath()): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new AdrankError('FILE_NOT_FOUND', `Chromium is not installed at ${executablePath}`, {
      location: { file: executablePath },
      hint: 'install it (`apt-get install chromium`) or set ADRANK_CHROMIUM to a Chromium binary; the report itself is written either way',
    });
  }
  const args = [...CHROMIUM_ARGS];
  if (process.getuid?.() === 0) args.unshift('--no-sandbox'); // Chromium refuses to start sandboxed as root
  try {
    return await chromium.launch({ executablePath, args, headless: true });
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new AdrankError('BAD_CONFIG', `Chromium at ${executablePath} did not start: ${first}`, {
      location: { file: executablePath },
      hint: 'check that ADRANK_CHROMIUM (or /usr/bin/chromium) is a working Chromium or Chrome binary',
    });
  }
}

async function waitForCharts(page: Page, timeoutMs: number): Promise<boolean> {
  try {
    await page.waitForSelector('body[data-charts-ready]', { state: 'attached', timeout: timeoutMs });
    // uPlot commits its first draw in a microtask; two frames later every canvas holds its pixels
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    return true;
  } catch {
    return false;
  }
}

/** Loads `htmlPath` offline, writes `pngPath` (atomically) and reports what the page did. */
export async function screenshotReport(htmlPath: string, pngPath: string, options: ScreenshotOptions = {}): Promise<ScreenshotResult> {
  if (!existsSync(htmlPath)) {
    throw new AdrankError('FILE_NOT_FOUND', `no report at ${htmlPath}`, { location: { file: htmlPath }, hint: 'write the report first (writeReport)' });
  }
  const html = await readFile(htmlPath, 'utf8');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const browser = await launchChromium(chromiumPath(options));
  try {
    const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
    const result: ScreenshotResult = { pngPath, ready: false, consoleErrors: [], pageErrors: [], requests: [], failedRequests: [], charts: [] };
    page.on('console', (message) => {
      if (message.type() === 'error') result.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => result.pageErrors.push(error.message));
    page.on('request', (request) => result.requests.push(request.url()));
    page.on('requestfailed', (request) => result.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
    await page.route('**/*', (route) => route.abort('blockedbyclient'));
    // the document is handed over as content, so not even its own load is a request
    await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
    result.ready = await waitForCharts(page, timeoutMs);
    result.charts = (await page.evaluate(CHART_CHECK_SCRIPT)) as ChartCheck[];
    await writeFileAtomic(pngPath, await page.screenshot({ type: 'png', fullPage: true, timeout: timeoutMs }));
    return result;
  } finally {
    await browser.close();
  }
}

/** Everything that went wrong, one line each; empty for a report that loaded cleanly and drew every chart. */
export function screenshotProblems(result: ScreenshotResult): string[] {
  const problems: string[] = [];
  if (!result.ready) problems.push('the page script did not finish building its charts');
  for (const e of result.consoleErrors) problems.push(`console error: ${e}`);
  for (const e of result.pageErrors) problems.push(`page error: ${e}`);
  for (const url of result.requests) problems.push(`network request attempted: ${url}`);
  for (const chart of result.charts) {
    if (chart.error) problems.push(`chart ${chart.id}: ${chart.error}`);
    for (const s of chart.series) if (s.pixels === 0) problems.push(`chart ${chart.id}: series "${s.label}" drew nothing`);
  }
  return problems;
}
