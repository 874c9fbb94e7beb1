/**
 * report.testAllTrials in the report: with a test accuracy on every trial, report.md and
 * report.html gain a cell table (one row per configuration, one column per mode, as a reference
 * run's table) and a test column in the trial table, and results.csv carries it; without one,
 * nothing of it shows and the CSV's testAccuracy column is empty.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESULTS_CSV_HEADER, ResultsError, parseCsv, validateResults, type StudyResults, type Trial } from '../../src/report/index.js';
import { reportMarkdown } from '../../src/report/report-markdown.js';
import { reportHtml } from '../../src/report/report-html.js';
import { resultsCsv } from '../../src/report/results-csv.js';
import { makeStudyResults } from './fixture.js';

/** The fixture with a made-up test accuracy on every trial: 0.95 + i / 10,000 for the i-th trial, all distinct. */
function withTestScores(): StudyResults {
  const r = makeStudyResults();
  r.trials = r.trials.map((t, i) => ({ ...t, testAccuracy: 0.95 + i / 10_000 }));
  return r;
}

/** The rows of the Markdown table under `heading`, as cells (header row first). */
function mdTable(md: string, heading: string): string[][] {
  const section = md.split(`## ${heading}\n`)[1];
  assert.ok(section !== undefined, `no section '${heading}'`);
  return section.split('\n## ')[0]!.split('\n').filter((l) => l.startsWith('| ')) // the rule line starts with '|:' or '|-'
    .map((l) => l.slice(2, -2).split(' | '));
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

describe('the test column of every trial', () => {
  it('the cell table has one row per configuration and each cell is its trial\'s test accuracy', () => {
    const r = withTestScores();
    const [header, ...rows] = mdTable(reportMarkdown(r), 'Test accuracy of every configuration');
    assert.deepEqual(header!.slice(0, 4), ['config', 'post', 'aware', 'refine']);
    // Configurations counted here from the trials: distinct (stage, sparsity, bits).
    const configs = new Set(r.trials.map((t) => `${t.stage}/${t.sparsity}/${t.bits}`));
    assert.equal(rows.length, configs.size);
    const find = (stage: Trial['stage'], sparsity: number | null, bits: number | null, mode: Trial['mode']) =>
      r.trials.find((t) => t.stage === stage && t.sparsity === sparsity && t.bits === bits && t.mode === mode);
    const row = (label: string) => rows.find((c) => c[0] === label)!;
    assert.equal(row('baseline')[1], pct(find('baseline', null, null, 'train')!.testAccuracy!));
    assert.deepEqual(row('baseline').slice(2, 4), ['', '']);
    for (const mode of ['post', 'aware', 'refine'] as const) {
      const col = { post: 1, aware: 2, refine: 3 }[mode];
      assert.equal(row('prune 95%')[col], pct(find('prune', 0.95, null, mode)!.testAccuracy!), `prune 95% ${mode}`);
      assert.equal(row('3 bits')[col], pct(find('quantize', null, 3, mode)!.testAccuracy!), `3 bits ${mode}`);
    }
    // The combination ran refine only in the fixture; size is that trial's.
    const comb = find('combined', 0.97, 3, 'refine')!;
    assert.deepEqual(row('97% + 3 bits').slice(1, 5), ['', '', pct(comb.testAccuracy!), comb.nonzeroWeights.toLocaleString('en-US')]);
    // Sizes are the refine trial's, the last mode trained.
    assert.equal(row('prune 90%')[4], find('prune', 0.9, null, 'refine')!.nonzeroWeights.toLocaleString('en-US'));
  });

  it('the trial table gains a test column; results.csv carries the exact value; the intro says every trial was scored', () => {
    const r = withTestScores();
    const md = reportMarkdown(r);
    const [header, ...rows] = mdTable(md, 'All trials');
    const col = header!.indexOf('test accuracy');
    assert.equal(col, header!.indexOf('val accuracy') + 1);
    rows.forEach((cells, i) => assert.equal(cells[col], pct(r.trials[i]!.testAccuracy!)));
    assert.match(md, /test accuracy is reported for every trial, scored after every choice was made/);
    const [csvHeader, ...csvRows] = parseCsv(resultsCsv(r));
    assert.deepEqual(csvHeader, [...RESULTS_CSV_HEADER]);
    const k = csvHeader!.indexOf('testAccuracy');
    csvRows.forEach((cells, i) => assert.equal(Number(cells[k]), r.trials[i]!.testAccuracy));
    const html = reportHtml(r, []);
    assert.match(html, /<h2>Test accuracy of every configuration<\/h2>/);
    const cellRows = html.match(/<table class="cells">[\s\S]*?<\/table>/)![0].match(/<tr>/g) ?? [];
    assert.equal(cellRows.length, 1 + new Set(r.trials.map((t) => `${t.stage}/${t.sparsity}/${t.bits}`)).size); // header + configurations
  });

  it('without test scores: no cell table, no test column, an empty CSV field, and the intro says chosen models only', () => {
    const r = makeStudyResults();
    const md = reportMarkdown(r);
    assert.ok(!md.includes('## Test accuracy of every configuration'));
    assert.ok(!mdTable(md, 'All trials')[0]!.includes('test accuracy'));
    assert.match(md, /test accuracy is reported for the chosen models only/);
    assert.ok(!reportHtml(r, []).includes('class="cells"'));
    const [h, ...rows] = parseCsv(resultsCsv(r));
    const k = h!.indexOf('testAccuracy');
    for (const row of rows) assert.equal(row[k], '');
  });

  it('validateResults keeps a trial\'s test accuracy and refuses one outside [0, 1], naming the field', () => {
    const r = JSON.parse(JSON.stringify(withTestScores()));
    assert.equal(validateResults(r).trials[4]!.testAccuracy, r.trials[4].testAccuracy);
    assert.equal('testAccuracy' in validateResults(JSON.parse(JSON.stringify(makeStudyResults()))).trials[0]!, false);
    r.trials[4].testAccuracy = 99.1;
    assert.throws(() => validateResults(r, 'run/results.json'), (e: unknown) => e instanceof ResultsError && e.field === 'trials[4].testAccuracy' && /99\.1/.test(e.message));
  });
});
