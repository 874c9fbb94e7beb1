/**
 * report.html in a real browser: headless Debian Chromium, driven by playwright-core, opens the
 * report from disk (file://) and checks that every chart rendered: an SVG with a non-zero box
 * and drawn marks. It also checks that the page fetched nothing and logged no error, and saves a
 * screenshot to test-output/report-browser/report.png beside the report it shows.
 *
 * Needs /usr/bin/chromium (apt-get install chromium; another binary through PRUNEQUANT_CHROMIUM).
 * Without it the test skips, saying so, except under CI=true, where it fails: CI must run it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHART_IDS, writeReport } from '../../src/report/index.js';
import { makeStudyResults } from './fixture.js';

const CHROMIUM = process.env['PRUNEQUANT_CHROMIUM'] ?? '/usr/bin/chromium';
const CI = process.env['CI'] === 'true';
const MISSING = !existsSync(CHROMIUM);
const OUT = resolve('test-output', 'report-browser');
const SCREENSHOT = join(OUT, 'report.png');

interface ChartBox {
  id: string;
  width: number;
  height: number;
  /** Data marks (paths, lines, rects inside Vega's role-mark groups). */
  marks: number;
  /** Those with a non-empty box that lies inside the SVG's box (or in a clipped group). */
  drawn: number;
}

/**
 * Runs in the page. A string, not a function: tsx compiles test files with esbuild's keepNames,
 * which wraps named inner functions in a `__name` helper that does not exist in the page.
 */
const MEASURE_CHARTS = `[...document.querySelectorAll('figure[data-chart] > svg')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('.role-mark path, .role-mark line, .role-mark rect')];
  const drawn = marks.filter((m) => {
    const b = m.getBoundingClientRect();
    // A zoomed panel clips the points beyond its axis on purpose: those need only a box.
    const clipped = m.closest('[clip-path]') !== null;
    return (b.width > 0 || b.height > 0) && (clipped ||
      (b.right >= box.left - 1 && b.left <= box.right + 1 && b.bottom >= box.top - 1 && b.top <= box.bottom + 1));
  });
  return { id: svg.parentElement.dataset.chart, width: box.width, height: box.height, marks: marks.length, drawn: drawn.length };
})`;

const SKIP = MISSING && !CI ? `no Chromium at ${CHROMIUM} (apt-get install chromium); under CI=true this fails instead` : false;

it('finds Chromium to drive', { skip: SKIP }, () => {
  assert.ok(!MISSING, `CI=true and no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium (apt-get install -y chromium)`);
});

describe('report.html in headless Chromium', {
  skip: SKIP,
}, () => {
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  before(async () => {
    if (MISSING) throw new Error(`no Chromium at ${CHROMIUM}`);
    rmSync(OUT, { recursive: true, force: true });
    await writeReport(OUT, makeStudyResults(), { resultsJson: 'always' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(pathToFileURL(join(OUT, 'report.html')).href, { waitUntil: 'load' });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every chart: an SVG with a non-zero box and drawn marks', async () => {
    const boxes = (await page.evaluate(MEASURE_CHARTS)) as ChartBox[];
    assert.deepEqual(boxes.map((b) => b.id), [...CHART_IDS]);
    for (const b of boxes) {
      assert.ok(b.width > 100 && b.height > 100, `${b.id}: the SVG is ${b.width}x${b.height} px`);
      assert.ok(b.marks >= 4, `${b.id}: ${b.marks} mark elements`);
      assert.equal(b.drawn, b.marks, `${b.id}: ${b.marks - b.drawn} of ${b.marks} marks have an empty box or lie outside the chart`);
    }
  });

  it('shows each chart\'s title and the tables', async () => {
    const titles = await page.$$eval('figure[data-chart] svg .role-title-text text', (ts) => ts.map((t) => t.textContent ?? ''));
    for (const t of ['Accuracy vs pruning level', 'Accuracy vs weight bits', 'Accuracy vs size on disk', 'Accuracy vs measured latency',
      'Per-layer sparsity of the chosen models', 'Weight histograms before and after']) assert.ok(titles.includes(t), `title '${t}'`);
    assert.equal(await page.locator('table.trials tbody tr').count(), makeStudyResults().trials.length);
    assert.equal(await page.locator('table.chosen tbody tr').count(), 4);
    assert.ok(await page.locator('table.trials').isVisible());
  });

  it('fetches nothing but the file itself and logs no error', () => {
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), []);
    assert.equal(requests.length, 1, requests.join('\n'));
    assert.deepEqual(problems, []);
  });

  it('saves a screenshot of the whole report', async () => {
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(statSync(SCREENSHOT).size > 50_000, `${SCREENSHOT} is too small to hold the charts`);
  });
});
