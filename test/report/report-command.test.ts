/** `prunequant report DIR`: rebuilds the report from DIR/results.json; clear errors, exit 1 (bad file) or 2 (usage). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeStudyResults } from './fixture.js';

describe('prunequant report', () => {
  let root: string;
  /** A run directory holding `results` (an object, or raw text) as results.json. */
  const runDir = (name: string, results: unknown): string => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'results.json'), typeof results === 'string' ? results : JSON.stringify(results));
    return dir;
  };
  before(() => { root = mkdtempSync(join(tmpdir(), 'pq-report-cli-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('rebuilds report.html, report.md and results.csv and leaves results.json alone', async () => {
    const dir = runDir('ok', makeStudyResults());
    const before = readFileSync(join(dir, 'results.json'), 'utf8');
    const r = await runCli(['report', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^wrote .*results\.csv, .*report\.md, .*report\.html \(6 charts\)\n$/);
    assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'report.md', 'results.csv', 'results.json']);
    assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), before);
  });

  it('prints a JSON summary with --json and accepts the results.json path itself', async () => {
    const dir = runDir('json', makeStudyResults());
    const r = await runCli(['report', join(dir, 'results.json'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json?.['command'], 'report');
    assert.equal(r.json?.['files'].length, 3);
    assert.equal(r.json?.['charts'].length, 6);
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [['report'], ['report', 'a', 'b'], ['report', '--bogus', 'x'], ['report', '--json=maybe', 'x']]) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^prunequant report: .+\n$/);
    }
    assert.match((await runCli(['report'])).stderr, /missing DIR/);
  });

  it('--help prints the usage', async () => {
    const r = await runCli(['report', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^prunequant report DIR/);
  });

  const bad: [string, () => string, (dir: string) => string][] = [
    ['a directory that does not exist', () => join(root, 'nowhere'), (d) => `${d}: no such directory`],
    ['a directory without results.json', () => { const d = join(root, 'empty'); mkdirSync(d); return d; }, (d) => `${join(d, 'results.json')}: no such file`],
    ['invalid JSON', () => runDir('badjson', '{"version": 1,'), (d) => `${join(d, 'results.json')}: invalid JSON`],
    ['another version', () => runDir('v2', { ...makeStudyResults(), version: 2 }), (d) => `${join(d, 'results.json')}: version: results format version 2, this reader knows 1`],
    ['a missing field', () => { const r = makeStudyResults() as any; delete r.models[0].latency; return runDir('missing', r); },
      (d) => `${join(d, 'results.json')}: models[0].latency: expected an object, got nothing (the field is missing)`],
  ];
  for (const [what, make, message] of bad) {
    it(`exits 1 naming the file and the field for ${what}`, async () => {
      const dir = make();
      const r = await runCli(['report', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.startsWith(`prunequant report: ${message(dir)}`), r.stderr);
      assert.equal(r.stderr.split('\n').length, 2, 'one line, no stack');
      assert.equal(r.stdout, '');
    });
  }
});
