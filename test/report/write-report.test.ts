/**
 * The report built from a recorded results.json (the fixture): every file written, the Markdown
 * trial table has one row per trial, the CSV parses back to the same numbers, and report.html
 * holds one self-contained SVG per chart, each with marks, a title and axis titles.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHART_IDS, RESULTS_CSV_HEADER, ResultsError, parseCsv, rebuildReport, writeReport, type StudyResults,
} from '../../src/report/index.js';
import { makeStudyResults } from './fixture.js';
import { chartSvgs, markShapes, texts } from './svg-inspect.js';

const EXPECTED_TITLES: Record<string, { title: string; axes: string[] }> = {
  'accuracy-vs-sparsity': { title: 'Accuracy vs pruning level', axes: ['pruned weights (%)', 'validation accuracy (%)'] },
  'accuracy-vs-bits': { title: 'Accuracy vs weight bits', axes: ['weight bits (per weight)', 'validation accuracy (%)'] },
  'accuracy-vs-size': { title: 'Accuracy vs size on disk', axes: ['size on disk, .pqm (KiB, log scale)', 'validation accuracy (%)'] },
  'accuracy-vs-latency': { title: 'Accuracy vs measured latency', axes: ['batch-1 latency (ms): p50 dot, p95 whisker', 'test accuracy (%)'] },
  'layer-sparsity': { title: 'Per-layer sparsity of the chosen models', axes: ['layer', 'zero weights (%)'] },
  'weight-histograms': { title: 'Weight histograms before and after', axes: ['weight value', 'count (symlog)'] },
};

describe('report from a recorded results.json', () => {
  let dir: string;
  let results: StudyResults;
  let recorded: string;
  let html: string, md: string, csv: string;
  const warnings: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pq-report-'));
    results = makeStudyResults();
    recorded = `${JSON.stringify(results, null, 2)}\n`;
    writeFileSync(join(dir, 'results.json'), recorded);
    await rebuildReport(dir, { onWarning: (w) => warnings.push(w) });
    html = readFileSync(join(dir, 'report.html'), 'utf8');
    md = readFileSync(join(dir, 'report.md'), 'utf8');
    csv = readFileSync(join(dir, 'results.csv'), 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes report.html, report.md and results.csv, leaves results.json as it was and no temp file behind', () => {
    assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'report.md', 'results.csv', 'results.json']);
    assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), recorded);
  });

  it('renders without a Vega or Vega-Lite warning', () => {
    assert.deepEqual(warnings, []);
  });

  it('report.md has one trial-table row per trial, in order, and every chosen model', () => {
    const section = md.split('## All trials')[1]!.split('\n## ')[0]!;
    const rows = section.split('\n').filter((l) => l.startsWith('| ')).slice(1); // minus the header
    assert.equal(rows.length, results.trials.length);
    rows.forEach((row, i) => assert.ok(row.startsWith(`| ${results.trials[i]!.id} |`), `row ${i}: ${row}`));
    const chosen = md.split('## Chosen models')[1]!.split('\n## ')[0]!.split('\n').filter((l) => l.startsWith('| ')).slice(1);
    assert.deepEqual(chosen.map((l) => l.split(' | ')[0]!.slice(2)), ['baseline', 'best pruning', 'best bits', 'combined']);
    assert.match(chosen[3]!, /\| 58\.5× \|/); // combined: fp32Bytes / pqmBytes
    assert.match(md, /## Summary\n\n- Dataset mnist/);
    assert.match(md, /Why: the highest level whose refine-tuned validation accuracy \(98\.74%\)/);
  });

  it('results.csv parses back to the same numbers, one row per trial', () => {
    assert.ok(csv.endsWith('\r\n'));
    const [header, ...rows] = parseCsv(csv);
    assert.deepEqual(header, [...RESULTS_CSV_HEADER]);
    assert.equal(rows.length, results.trials.length);
    const num = (s: string) => (s === '' ? null : Number(s));
    rows.forEach((row, i) => {
      const t = results.trials[i]!;
      const at = Object.fromEntries(header!.map((h, k) => [h, row[k]!]));
      assert.equal(at['id'], t.id);
      assert.equal(at['stage'], t.stage);
      assert.equal(at['mode'], t.mode);
      assert.equal(num(at['sparsity']!), t.sparsity);
      assert.equal(num(at['bits']!), t.bits);
      assert.equal(Number(at['valAccuracy']), t.valAccuracy);
      assert.equal(Number(at['pqmBytes']), t.pqmBytes);
      assert.equal(Number(at['compressionRatio']), results.fp32Bytes / t.pqmBytes);
      assert.equal(Number(at['nonzeroWeights']), t.nonzeroWeights);
      assert.equal(Number(at['seconds']), t.seconds);
      assert.equal(at['parent'] === '' ? null : at['parent'], t.parent);
    });
  });

  it('report.html holds one SVG per chart, each with marks, its title and axis titles with units', () => {
    const charts = chartSvgs(html);
    assert.deepEqual(charts.map((c) => c.id), [...CHART_IDS]);
    assert.equal((html.match(/<svg[\s>]/g) ?? []).length, CHART_IDS.length);
    for (const c of charts) {
      assert.ok(markShapes(c.svg) >= 4, `${c.id}: ${markShapes(c.svg)} mark shapes`);
      const want = EXPECTED_TITLES[c.id]!;
      assert.ok(texts(c.svg, 'role-title-text').includes(want.title), `${c.id}: title '${want.title}' missing`);
      const axes = new Set(texts(c.svg, 'role-axis-title'));
      for (const a of want.axes) assert.ok(axes.has(a), `${c.id}: axis title '${a}' missing; has ${[...axes].join(' / ')}`);
    }
  });

  it('plots every trial in the size chart and one point per mode and level in the pruning chart', () => {
    const [size] = chartSvgs(html).filter((c) => c.id === 'accuracy-vs-size');
    const points = size!.svg.match(/aria-label="size on disk[^"]*stage: [a-z]+; mode: [a-z]+"/g) ?? [];
    assert.equal(points.length, results.trials.length);
    const [prune] = chartSvgs(html).filter((c) => c.id === 'accuracy-vs-sparsity');
    // the line's points, drawn once in each of the two panels
    const pts = prune!.svg.match(/role="graphics-symbol" aria-roledescription="point"[^>]*fill="#/g) ?? [];
    assert.equal(pts.length, 2 * results.trials.filter((t) => t.stage === 'prune').length);
  });

  it('report.html is self-contained: no script, no stylesheet or image link, nothing to fetch, ids unique', () => {
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|\ssrc=/i);
    const urls = html.match(/https?:\/\/[^"'\s)]+/g) ?? [];
    assert.deepEqual([...new Set(urls)].sort(), ['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']); // xmlns names, never fetched
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(new Set(ids).size, ids.length, 'duplicate ids would make one chart clip with another\'s clip path');
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(ref[1]!), `url(#${ref[1]}) points nowhere`);
  });

  it('report.html has the summary, the chosen-model table, every trial and the config', () => {
    assert.match(html, /<h2>Summary<\/h2>\n<ul class="summary">/);
    for (const t of results.trials) assert.ok(html.includes(`<td>${t.id}</td>`), t.id);
    assert.ok(html.includes('58.5×'));
    assert.ok(html.includes('&quot;tolerance&quot;: 0.005'));
  });
});

describe('writeReport', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pq-write-report-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes results.json when missing, keeps an existing one unless told, and creates the directory', async () => {
    const out = join(dir, 'new', 'run');
    const written = await writeReport(out, makeStudyResults());
    assert.deepEqual(written.files.map((f) => f.slice(out.length + 1)), ['results.json', 'results.csv', 'report.md', 'report.html']);
    assert.deepEqual(written.charts, [...CHART_IDS]);
    writeFileSync(join(out, 'results.json'), '{"kept": true}');
    const again = await writeReport(out, makeStudyResults());
    assert.ok(!again.files.some((f) => f.endsWith('results.json')));
    assert.equal(readFileSync(join(out, 'results.json'), 'utf8'), '{"kept": true}');
    await writeReport(out, makeStudyResults(), { resultsJson: 'always' });
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')), JSON.parse(JSON.stringify(makeStudyResults())));
  });

  it('refuses an invalid results object, naming the field, and writes nothing', async () => {
    const out = join(dir, 'invalid');
    const r = makeStudyResults() as any;
    r.trials[2].valAccuracy = 99.1;
    await assert.rejects(writeReport(out, r), (e: unknown) => e instanceof ResultsError && e.field === 'trials[2].valAccuracy');
    assert.equal(existsSync(out), false);
  });

  it('writes a study in progress: only the charts that have something to plot', async () => {
    const out = join(dir, 'partial');
    const full = makeStudyResults();
    const r: StudyResults = { ...full, trials: full.trials.filter((t) => t.stage === 'baseline' || (t.stage === 'prune' && t.mode === 'post')), models: [], chosen: { pruning: null, bits: null, combinedTrial: null } };
    const written = await writeReport(out, r);
    assert.deepEqual(written.charts, ['accuracy-vs-sparsity', 'accuracy-vs-size']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.equal(chartSvgs(html).length, 2);
    assert.match(html, /Combined: not run/);
    assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /No model measured yet\./);
  });

  it('replaces a previous report in place (temp file and rename)', async () => {
    const out = join(dir, 'replace');
    await writeReport(out, makeStudyResults());
    const before = statSync(join(out, 'report.html')).ino;
    await writeReport(out, makeStudyResults());
    assert.notEqual(statSync(join(out, 'report.html')).ino, before, 'a rename gives the file a new inode');
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
  });

  it('escapes markup in ids, labels and reasons', async () => {
    const out = join(dir, 'escape');
    const r = makeStudyResults();
    r.models[1]!.label = 'best <pruning> & "more"';
    r.chosen.pruning!.reason = 'a | pipe and <b>bold</b>';
    await writeReport(out, r);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.ok(!html.includes('<pruning>') && !html.includes('<b>bold</b>'));
    assert.ok(html.includes('best &lt;pruning&gt; &amp; &quot;more&quot;'));
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.ok(md.includes('a \\| pipe and \\<b\\>bold\\</b\\>'));
  });
});
